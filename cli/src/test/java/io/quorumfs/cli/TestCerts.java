package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Certificates for TLS tests, made with the JDK's keytool in {@code dir}: {@code node.p12} (a key
 * and a self-signed certificate for 127.0.0.1 and localhost, shared by every process of a test),
 * {@code trust.p12} (that certificate, trusted) and {@code rogue.p12} (another self-signed
 * certificate, not trusted). Every store has the password given. (docs/deploy.md makes a CA with
 * openssl instead; to the code both are a trust store holding the certificate to accept. Four
 * keytool runs keep this quick on a loaded machine.)
 */
final class TestCerts {

  private TestCerts() {}

  static void make(Path dir, String password) throws Exception {
    keytool(dir, "-genkeypair", "-alias", "node", "-dname", "CN=node",
        "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-keystore", "node.p12", "-storepass", password);
    keytool(dir, "-exportcert", "-rfc", "-alias", "node", "-keystore", "node.p12", "-storepass",
        password, "-file", "node.crt");
    keytool(dir, "-importcert", "-noprompt", "-alias", "node", "-file", "node.crt",
        "-storetype", "PKCS12", "-keystore", "trust.p12", "-storepass", password);
    keytool(dir, "-genkeypair", "-alias", "rogue", "-dname", "CN=rogue",
        "-ext", "SAN=ip:127.0.0.1", "-keystore", "rogue.p12", "-storepass", password);
  }

  private static void keytool(Path dir, String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    if (List.of(args).contains("-genkeypair")) {
      cmd.addAll(List.of("-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
          "-storetype", "PKCS12"));
    }
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), String.join(" ", cmd) + ": " + out);
  }
}
