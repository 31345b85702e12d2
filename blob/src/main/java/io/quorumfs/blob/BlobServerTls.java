package io.quorumfs.blob;

import io.quorumfs.kv.RefusalLog;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
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
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), new TrustManager[] {RefusalLog.open(trustStore, password, "blob server connection", CONN::warn)}, null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("TLS set-up from key store " + keyStore + " and trust store "
          + trustStore + " failed: " + e.getMessage(), e);
    }
  }

  private KeyStore load(Path file) throws IOException, GeneralSecurityException {
    return io.quorumfs.kv.TlsFiles.loadPkcs12(file, password);
  }
}
