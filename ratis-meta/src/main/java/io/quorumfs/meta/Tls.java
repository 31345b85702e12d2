package io.quorumfs.meta;

import io.quorumfs.kv.RefusalLog;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.KeyManagerFactory;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mutual TLS for every gRPC channel of a replica (server-server, client-server, admin) and of a
 * client: a PKCS12 key store with this side's key and certificate, and a PKCS12 trust store with the
 * certificates (or CA) it accepts from the other side. A refused certificate is logged on the
 * {@code quorumfs.conn} logger (connection and authentication events).
 */
record Tls(Path keyStore, Path trustStore, String password) {

  private static final Logger CONN = LoggerFactory.getLogger("quorumfs.conn");

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
      return new GrpcTlsConfig(kmf.getKeyManagers()[0],
          RefusalLog.open(trustStore, password, "replica channel", CONN::warn), true);
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
}
