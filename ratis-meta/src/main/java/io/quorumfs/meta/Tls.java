package io.quorumfs.meta;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
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
 * certificates (or CA) it accepts from the other side.
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
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(load(trustStore));
      return new GrpcTlsConfig(kmf.getKeyManagers()[0], tmf.getTrustManagers()[0], true);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("TLS set-up from key store " + keyStore + " and trust store " + trustStore
          + " failed: " + e.getMessage(), e);
    }
  }

  private KeyStore load(Path file) throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(file)) {
      ks.load(in, password.toCharArray());
    }
    return ks;
  }

  /** From URI parameters: {@code tlsKeyStore}, {@code tlsTrustStore}, {@code tlsPasswordEnv} or {@code tlsPassword}. */
  static Tls of(String keyStore, String trustStore, String passwordEnv, String password) {
    if (keyStore == null && trustStore == null) {
      return null;
    }
    if (keyStore == null || trustStore == null) {
      throw new IllegalArgumentException("TLS needs both tlsKeyStore and tlsTrustStore");
    }
    String pw = password;
    if (passwordEnv != null) {
      pw = System.getenv(passwordEnv);
      if (pw == null) {
        throw new IllegalArgumentException("TLS password variable " + passwordEnv + " is not set");
      }
    }
    if (pw == null) {
      throw new IllegalArgumentException("TLS needs tlsPasswordEnv (or tlsPassword) for the key stores");
    }
    return new Tls(Path.of(keyStore), Path.of(trustStore), pw);
  }
}
