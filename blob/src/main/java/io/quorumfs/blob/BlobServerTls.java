package io.quorumfs.blob;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mutual TLS for the blob server and its {@code https://} clients: a PKCS12 key store with this
 * side's key and certificate chain, and a PKCS12 trust store with the certificates (or CA) it
 * accepts from the other side. Both are opened with one password. A certificate the trust store
 * refuses is logged on the {@code quorumfs.conn} logger (connection and authentication events).
 *
 * @param keyStore PKCS12 file with this side's private key and certificate chain
 * @param trustStore PKCS12 file with the trusted certificates
 * @param password password of both files
 */
public record BlobServerTls(Path keyStore, Path trustStore, String password) {

  static final Logger CONN = LoggerFactory.getLogger("quorumfs.conn");

  @Override
  public String toString() {
    return "BlobServerTls[keyStore=" + keyStore + ", trustStore=" + trustStore + "]";
  }

  /**
   * From URI parameters {@code tlsKeyStore}, {@code tlsTrustStore} and {@code tlsPasswordEnv} (the
   * name of an environment variable holding the password) or {@code tlsPassword}; null when
   * neither store is named.
   *
   * @throws IllegalArgumentException naming what is missing
   */
  static BlobServerTls of(String keyStore, String trustStore, String passwordEnv, String password) {
    io.quorumfs.kv.TlsFiles files = io.quorumfs.kv.TlsFiles.of(keyStore, trustStore, passwordEnv, password);
    return files == null ? null : new BlobServerTls(files.keyStore(), files.trustStore(), files.password());
  }

  /**
   * An SSL context presenting this side's certificate and trusting the trust store's.
   *
   * @throws IllegalArgumentException naming the files when they cannot be read or opened
   */
  public SSLContext context() {
    try {
      // PKIX, not the default SunX509: SunX509 never picks a client key for an SSLEngine, so the
      // JDK HTTP client would connect without its certificate.
      KeyManagerFactory kmf = KeyManagerFactory.getInstance("PKIX");
      kmf.init(load(keyStore), password.toCharArray());
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(load(trustStore));
      X509ExtendedTrustManager trust = null;
      for (TrustManager tm : tmf.getTrustManagers()) {
        if (tm instanceof X509ExtendedTrustManager) {
          trust = (X509ExtendedTrustManager) tm;
        }
      }
      if (trust == null) {
        throw new GeneralSecurityException("no X.509 trust manager for " + trustStore);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), new TrustManager[] {new Logged(trust)}, null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("TLS set-up from key store " + keyStore + " and trust store "
          + trustStore + " failed: " + e.getMessage(), e);
    }
  }

  private KeyStore load(Path file) throws IOException, GeneralSecurityException {
    return io.quorumfs.kv.TlsFiles.loadPkcs12(file, password);
  }

  private static String subject(X509Certificate[] chain) {
    return chain == null || chain.length == 0 ? "(no certificate)"
        : chain[0].getSubjectX500Principal().getName();
  }

  /** Logs every refused certificate on quorumfs.conn, then refuses it as the delegate did. */
  private static final class Logged extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager d;

    Logged(X509ExtendedTrustManager d) {
      this.d = d;
    }

    private static CertificateException refused(String side, X509Certificate[] chain, String peer,
        CertificateException e) {
      CONN.warn("TLS: refused {} certificate '{}' from {}: {}", side, subject(chain), peer,
          e.getMessage());
      return e;
    }

    private static String peer(Socket s) {
      return s == null ? "?" : String.valueOf(s.getRemoteSocketAddress());
    }

    private static String peer(SSLEngine e) {
      return e == null ? "?" : e.getPeerHost() + ":" + e.getPeerPort();
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String auth) throws CertificateException {
      try {
        d.checkClientTrusted(chain, auth);
      } catch (CertificateException e) {
        throw refused("client", chain, "?", e);
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String auth, Socket s) throws CertificateException {
      try {
        d.checkClientTrusted(chain, auth, s);
      } catch (CertificateException e) {
        throw refused("client", chain, peer(s), e);
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String auth, SSLEngine en) throws CertificateException {
      try {
        d.checkClientTrusted(chain, auth, en);
      } catch (CertificateException e) {
        throw refused("client", chain, peer(en), e);
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String auth) throws CertificateException {
      try {
        d.checkServerTrusted(chain, auth);
      } catch (CertificateException e) {
        throw refused("server", chain, "?", e);
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String auth, Socket s) throws CertificateException {
      try {
        d.checkServerTrusted(chain, auth, s);
      } catch (CertificateException e) {
        throw refused("server", chain, peer(s), e);
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String auth, SSLEngine en) throws CertificateException {
      try {
        d.checkServerTrusted(chain, auth, en);
      } catch (CertificateException e) {
        throw refused("server", chain, peer(en), e);
      }
    }

    /**
     * None: the server then asks for "any certificate", so a client whose certificate another CA
     * signed still presents it and is refused (and logged) here, instead of sending none.
     */
    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }
}
