package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.KvUnavailableException;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Watch;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS on every channel: replicas elect and replicate over TLS, a TLS client works (commits
 * and the feed stream), a plain one cannot.
 */
class TlsTest {

  @TempDir
  Path dir;

  private void keytool(String... args) throws Exception {
    List<String> cmd = new java.util.ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), out);
  }

  @Test
  void replicasAndClient_talkMutualTls_andAPlainClientIsRefused() throws Exception {
    Path key = dir.resolve("key.p12");
    Path trust = dir.resolve("trust.p12");
    Path crt = dir.resolve("node.crt");
    keytool("-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
        "-keystore", key.toString(), "-storepass", "secret", "-keypass", "secret");
    keytool("-exportcert", "-alias", "node", "-keystore", key.toString(), "-storepass", "secret", "-file", crt.toString());
    keytool("-importcert", "-noprompt", "-alias", "node", "-file", crt.toString(), "-storetype", "PKCS12",
        "-keystore", trust.toString(), "-storepass", "secret");
    try (LocalCluster c = new LocalCluster(dir.resolve("c"), 3, "mem", b -> b.tls(key, trust, "secret"))) {
      c.awaitLeader(Duration.ofSeconds(60));
      String tls = "tlsKeyStore=" + key + "&tlsTrustStore=" + trust + "&tlsPassword=secret";
      try (KvStore s = KvStores.open(c.uri() + "?" + tls)) {
        List<ChangeEvent> seen = new CopyOnWriteArrayList<>();
        try (Watch w = s.watch(s.revision(), FaultToleranceTest.recorder(seen))) {
          long r = s.commit(Txn.builder().put(Bytes.utf8("k"), Bytes.utf8("v")).build()).revision();
          assertEquals(r, s.get(Bytes.utf8("k")).version());
          LocalCluster.poll(Duration.ofSeconds(30), "the feed over TLS", () -> !seen.isEmpty());
          assertEquals(r, seen.get(0).revision());
        }
      }
      // The feed service sits behind the same TLS: a plain call to it fails.
      try (FeedServiceTest.Raw plain = new FeedServiceTest.Raw(c.peers.values().iterator().next(), 0, 10)) {
        LocalCluster.poll(Duration.ofSeconds(30), "the plain feed call to fail", () -> plain.status != null);
        assertFalse(plain.status.isOk(), plain.status.toString());
        assertTrue(plain.messages.isEmpty());
      }
      assertEquals(3, MetaStatus.query(c.uri() + "?" + tls, Duration.ofSeconds(3)).replicas().stream()
          .filter(MetaStatus.Replica::reachable).count());
      assertThrows(KvUnavailableException.class, () -> KvStores.open(c.uri() + "?timeout=2s&requestTimeout=1s"));
    }
  }
}
