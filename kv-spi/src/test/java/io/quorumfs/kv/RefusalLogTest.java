package io.quorumfs.kv;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RefusalLogTest {

  private static final String PASSWORD = "refusal-log-test";

  @TempDir
  static Path certs;

  @BeforeAll
  static void makeCertificates() throws Exception {
    for (String name : List.of("trusted", "rogue")) {
      keytool("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name,
          "-validity", "2", "-storetype", "PKCS12", "-keystore", name + ".p12", "-storepass", PASSWORD);
    }
    keytool("-exportcert", "-alias", "trusted", "-keystore", "trusted.p12", "-storepass", PASSWORD,
        "-file", "trusted.crt");
    keytool("-importcert", "-noprompt", "-alias", "trusted", "-file", "trusted.crt", "-storetype", "PKCS12",
        "-keystore", "trust.p12", "-storepass", PASSWORD);
  }

  private static void keytool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(certs.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
  }

  private static X509Certificate[] chain(String name) throws Exception {
    KeyStore ks = TlsFiles.loadPkcs12(certs.resolve(name + ".p12"), PASSWORD);
    return new X509Certificate[] {(X509Certificate) ks.getCertificate(name)};
  }

  private static RefusalLog log(List<String> lines, AtomicLong clock) throws Exception {
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(TlsFiles.loadPkcs12(certs.resolve("trust.p12"), PASSWORD));
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509ExtendedTrustManager) {
        return new RefusalLog((X509ExtendedTrustManager) tm, "test channel", lines::add, clock::get);
      }
    }
    throw new AssertionError("no X.509 trust manager");
  }

  @Test
  void trustedCertificate_isAccepted_andNothingLogged() throws Exception {
    List<String> lines = new ArrayList<>();
    RefusalLog trust = log(lines, new AtomicLong());
    assertDoesNotThrow(() -> trust.checkClientTrusted(chain("trusted"), "ECDHE_ECDSA"));
    assertEquals(List.of(), lines);
  }

  @Test
  void refusals_areLoggedOncePerInterval_withTheCountInBetween() throws Exception {
    List<String> lines = new ArrayList<>();
    AtomicLong clock = new AtomicLong(1_000);
    RefusalLog trust = log(lines, clock);
    X509Certificate[] rogue = chain("rogue");

    assertThrows(CertificateException.class, () -> trust.checkClientTrusted(rogue, "ECDHE_ECDSA"));
    assertEquals(1, lines.size(), lines.toString());
    assertTrue(lines.get(0).startsWith("TLS: refused client certificate 'CN=rogue' on a test channel"), lines.get(0));

    for (int i = 0; i < 5; i++) {
      clock.addAndGet(RefusalLog.INTERVAL_NANOS / 10);
      assertThrows(CertificateException.class, () -> trust.checkClientTrusted(rogue, "ECDHE_ECDSA"));
    }
    assertEquals(1, lines.size(), "refusals within the interval are counted, not logged: " + lines);

    // the other side is its own stream of events
    assertThrows(CertificateException.class, () -> trust.checkServerTrusted(rogue, "ECDHE_ECDSA"));
    assertEquals(2, lines.size(), lines.toString());
    assertTrue(lines.get(1).startsWith("TLS: refused server certificate 'CN=rogue'"), lines.get(1));

    clock.addAndGet(RefusalLog.INTERVAL_NANOS);
    assertThrows(CertificateException.class, () -> trust.checkClientTrusted(rogue, "ECDHE_ECDSA"));
    assertEquals(3, lines.size(), lines.toString());
    assertTrue(lines.get(2).endsWith("(5 more refused since the last report)"), lines.get(2));
  }

  @Test
  void open_withWrongPassword_namesTheFailure() {
    assertThrows(java.io.IOException.class,
        () -> RefusalLog.open(certs.resolve("trust.p12"), "wrong", "test channel", s -> { }));
  }
}
