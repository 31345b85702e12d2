package io.quorumfs.kv;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/**
 * The files of mutual TLS as every quorumfs endpoint names them: a PKCS12 key store (this side's
 * key and certificate chain) and a PKCS12 trust store (the certificates or CA accepted from the
 * other side), both opened with one password. Parsed once here from the {@code tlsKeyStore},
 * {@code tlsTrustStore}, {@code tlsPasswordEnv} / {@code tlsPassword} URI parameters; each
 * transport (Ratis gRPC, the blob server's HTTPS) builds its own SSL set-up from it.
 *
 * @param keyStore PKCS12 file with this side's private key and certificate chain
 * @param trustStore PKCS12 file with the trusted certificates
 * @param password password of both files
 */
public record TlsFiles(Path keyStore, Path trustStore, String password) {

  /**
   * From URI parameters; {@code passwordEnv} names an environment variable holding the password
   * and wins over {@code password}.
   *
   * @return null when neither store is named (TLS off)
   * @throws IllegalArgumentException naming what is missing
   */
  public static TlsFiles of(String keyStore, String trustStore, String passwordEnv, String password) {
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
    return new TlsFiles(Path.of(keyStore), Path.of(trustStore), pw);
  }

  /** Opens a PKCS12 file with {@code password}. */
  public static KeyStore loadPkcs12(Path file, String password) throws IOException, GeneralSecurityException {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(file)) {
      ks.load(in, password.toCharArray());
    }
    return ks;
  }

  @Override
  public String toString() {
    return "TlsFiles[keyStore=" + keyStore + ", trustStore=" + trustStore + "]"; // never the password
  }
}
