package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Certificates for TLS tests, made with the JDK's keytool in {@code dir}: a CA, {@code node.p12}
 * (a key and a certificate the CA signed for 127.0.0.1 and localhost, with the chain),
 * {@code trust.p12} (the CA certificate) and {@code rogue.p12} (a self-signed certificate the CA
 * never signed). Every store has the password given.
 */
final class TestCerts {

  private TestCerts() {}

  static void make(Path dir, String password) throws Exception {
    keytool(dir, "-genkeypair", "-alias", "ca", "-dname", "CN=quorumfs-test-ca", "-ext", "bc:c",
        "-keystore", "ca.p12", "-storepass", password);
    keytool(dir, "-genkeypair", "-alias", "node", "-dname", "CN=node", "-keystore", "node.p12",
        "-storepass", password);
    keytool(dir, "-certreq", "-alias", "node", "-keystore", "node.p12", "-storepass", password,
        "-file", "node.csr");
    keytool(dir, "-gencert", "-alias", "ca", "-keystore", "ca.p12", "-storepass", password,
        "-infile", "node.csr", "-outfile", "node.crt", "-ext", "SAN=ip:127.0.0.1,dns:localhost");
    keytool(dir, "-exportcert", "-rfc", "-alias", "ca", "-keystore", "ca.p12", "-storepass",
        password, "-file", "ca.crt");
    keytool(dir, "-importcert", "-noprompt", "-alias", "ca", "-file", "ca.crt", "-keystore",
        "node.p12", "-storepass", password);
    keytool(dir, "-importcert", "-noprompt", "-alias", "node", "-file", "node.crt", "-keystore",
        "node.p12", "-storepass", password);
    keytool(dir, "-importcert", "-noprompt", "-alias", "ca", "-file", "ca.crt", "-keystore",
        "trust.p12", "-storepass", password);
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
