package io.quorumfs.meta;

import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;

/**
 * Mutual TLS for every gRPC channel of a replica (server-server, client-server, admin) and of a
 * client: a PKCS12 key store with this side's key and certificate, and a PKCS12 trust store with the
 * certificates (or CA) it accepts from the other side. A refused certificate is logged on the
 * {@code quorumfs.conn} logger (connection and authentication events).
 */
record Tls(Path keyStore, Path trustStore, String password) {

  /** Ratis parameters carrying the TLS config for servers and clients alike. */
  Parameters parameters() {
    GrpcTlsConfig conf = grpcConfig();
    Parameters p = new Parameters();
    GrpcConfigKeys.Server.setTlsConf(p, conf);
    GrpcConfigKeys.Client.setTlsConf(p, conf);
    GrpcConfigKeys.Admin.setTlsConf(p, conf);
    return p;
  }

  /** The key and trust managers, client authentication required (also for {@link MetaRpc} channels). */
  GrpcTlsConfig grpcConfig() {
    try {
      KeyStore keys = load(keyStore);
      KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(keys, password.toCharArray());
      TrustManagerFactory tmf = LoggedTrustManager.factory();
      tmf.init(load(trustStore));
      return new GrpcTlsConfig(kmf.getKeyManagers()[0], tmf.getTrustManagers()[0], true);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("TLS set-up from key store " + keyStore + " and trust store " + trustStore
          + " failed: " + e.getMessage(), e);
    }
  }

  private KeyStore load(Path file) throws IOException, GeneralSecurityException {
    return io.quorumfs.kv.TlsFiles.loadPkcs12(file, password);
  }

  /** From URI parameters: {@code tlsKeyStore}, {@code tlsTrustStore}, {@code tlsPasswordEnv} or {@code tlsPassword}. */
  static Tls of(String keyStore, String trustStore, String passwordEnv, String password) {
    io.quorumfs.kv.TlsFiles files = io.quorumfs.kv.TlsFiles.of(keyStore, trustStore, passwordEnv, password);
    return files == null ? null : new Tls(files.keyStore(), files.trustStore(), files.password());
  }

  /** Logs each certificate the trust store refuses on quorumfs.conn, then refuses it. */
  static final class LoggedTrustManager implements javax.net.ssl.X509TrustManager {

    /** The default trust manager factory, its X.509 trust managers wrapped in this class. */
    static TrustManagerFactory factory() throws java.security.NoSuchAlgorithmException {
      TrustManagerFactory d = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      return new TrustManagerFactory(new javax.net.ssl.TrustManagerFactorySpi() {
        @Override
        protected void engineInit(KeyStore ks) throws java.security.KeyStoreException {
          d.init(ks);
        }

        @Override
        protected void engineInit(javax.net.ssl.ManagerFactoryParameters p)
            throws java.security.InvalidAlgorithmParameterException {
          d.init(p);
        }

        @Override
        protected javax.net.ssl.TrustManager[] engineGetTrustManagers() {
          javax.net.ssl.TrustManager[] tms = d.getTrustManagers().clone();
          for (int i = 0; i < tms.length; i++) {
            if (tms[i] instanceof javax.net.ssl.X509TrustManager) {
              tms[i] = new LoggedTrustManager((javax.net.ssl.X509TrustManager) tms[i]);
            }
          }
          return tms;
        }
      }, d.getProvider(), d.getAlgorithm()) { };
    }

    private static final org.slf4j.Logger CONN = org.slf4j.LoggerFactory.getLogger("quorumfs.conn");
    private final javax.net.ssl.X509TrustManager d;

    LoggedTrustManager(javax.net.ssl.X509TrustManager d) {
      this.d = d;
    }

    private static String subject(java.security.cert.X509Certificate[] chain) {
      return chain == null || chain.length == 0 ? "(none)" : chain[0].getSubjectX500Principal().getName();
    }

    @Override
    public void checkClientTrusted(java.security.cert.X509Certificate[] chain, String auth)
        throws java.security.cert.CertificateException {
      try {
        d.checkClientTrusted(chain, auth);
      } catch (java.security.cert.CertificateException e) {
        CONN.warn("TLS: refused client certificate '{}' on a replica channel: {}", subject(chain), e.getMessage());
        throw e;
      }
    }

    @Override
    public void checkServerTrusted(java.security.cert.X509Certificate[] chain, String auth)
        throws java.security.cert.CertificateException {
      try {
        d.checkServerTrusted(chain, auth);
      } catch (java.security.cert.CertificateException e) {
        CONN.warn("TLS: refused server certificate '{}' of a replica: {}", subject(chain), e.getMessage());
        throw e;
      }
    }

    /**
     * None: a server then asks for "any certificate", so a client whose certificate another CA
     * signed still presents it and is refused (and logged) here, instead of sending none.
     */
    @Override
    public java.security.cert.X509Certificate[] getAcceptedIssuers() {
      return new java.security.cert.X509Certificate[0];
    }
  }
}
