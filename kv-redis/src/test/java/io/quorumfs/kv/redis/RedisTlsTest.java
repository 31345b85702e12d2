package io.quorumfs.kv.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.Txn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** rediss:// against a TLS-only redis-server with a certificate from a throw-away CA (openssl). */
final class RedisTlsTest {

  private static final Path CERTS = makeCerts();

  @RegisterExtension
  static final RedisServerExtension REDIS = new RedisServerExtension()
      .withTls(CERTS.resolve("server.pem"), CERTS.resolve("server.key"), CERTS.resolve("ca.pem"));

  @Test
  void rediss_withTheCaCertificate_verifiesTheServer_andWorks() {
    try (KvStore s = KvStores.open(REDIS.uri("tls") + "&cacert=" + CERTS.resolve("ca.pem"))) {
      long r = s.commit(Txn.builder().put(Bytes.utf8("a"), Bytes.utf8("1")).build()).revision();
      assertEquals(r, s.get(Bytes.utf8("a")).version());
      assertTrue(s.toString().startsWith("rediss://"), s.toString());
    }
  }

  @Test
  void rediss_withoutTrustingTheCa_failsNamingTheServerAndTheCertificateProblem() {
    KvException e = assertThrows(KvException.class, () -> KvStores.open(REDIS.uri("tls2") + "&timeout=3s"));
    assertTrue(e.getMessage().contains("127.0.0.1:" + REDIS.port()), e.getMessage());
    assertTrue(e.getMessage().toLowerCase().contains("certificat") || e.getMessage().contains("PKIX"), e.getMessage());
  }

  @Test
  void rediss_verifyPeerNone_connectsWithoutTheCa() {
    try (KvStore s = KvStores.open(REDIS.uri("tls3") + "&verifyPeer=none")) {
      assertTrue(s.commit(Txn.builder().put(Bytes.utf8("a"), Bytes.utf8("1")).build()).ok());
    }
  }

  private static Path makeCerts() {
    try {
      Path dir = Files.createTempDirectory("quorumfs-tls-");
      dir.toFile().deleteOnExit();
      Files.writeString(dir.resolve("san.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
      String ec = "ec_paramgen_curve:prime256v1";
      run(dir, "openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", ec, "-nodes", "-keyout", "ca.key",
          "-out", "ca.pem", "-days", "2", "-subj", "/CN=quorumfs-test-ca");
      run(dir, "openssl", "req", "-newkey", "ec", "-pkeyopt", ec, "-nodes", "-keyout", "server.key",
          "-out", "server.csr", "-subj", "/CN=localhost");
      run(dir, "openssl", "x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
          "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "san.ext");
      for (String f : List.of("ca.key", "ca.pem", "server.key", "server.csr", "server.pem", "san.ext", "ca.srl")) {
        dir.resolve(f).toFile().deleteOnExit();
      }
      return dir;
    } catch (IOException e) {
      throw new IllegalStateException("cannot make test certificates with openssl (apt-get install -y openssl)", e);
    }
  }

  private static void run(Path dir, String... cmd) throws IOException {
    Process p = new ProcessBuilder(new ArrayList<>(List.of(cmd))).directory(dir.toFile()).redirectErrorStream(true)
        .start();
    String out = new String(p.getInputStream().readAllBytes());
    try {
      if (p.waitFor() != 0) {
        throw new IOException(String.join(" ", cmd) + " failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
