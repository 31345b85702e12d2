package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import io.quorumfs.meta.MetaStatus;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The documented 3-machine recipe on one host: three `quorumfs meta start` processes from one
 * config file, a `quorumfs blob start` server and two `quorumfs mount` clients; a replica is
 * killed and restarted and status follows; `quorumfs umount` ends a mount process. Everything
 * talks mutual TLS (tls.* in the config, certificates from {@link TestCerts}, the password in
 * QUORUMFS_TLS_PASSWORD), as docs/deploy.md recommends.
 */
class DeploymentIT {

  private Path dir;
  private String metaUri;
  /** metaUri with the TLS parameters for in-process queries (password given directly). */
  private String tlsMetaUri;
  private static final String PASSWORD = "deployment-it-password";
  private final Map<String, String> env = Map.of("QUORUMFS_TLS_PASSWORD", PASSWORD);
  private final List<Launcher.Started> started = new ArrayList<>();
  private final Map<String, Launcher.Started> replicas = new LinkedHashMap<>();

  @AfterEach
  void stopAll() throws Exception {
    for (Launcher.Started s : started) {
      s.process().destroy();
    }
    for (Launcher.Started s : started) {
      if (!s.process().waitFor(60, TimeUnit.SECONDS)) {
        s.process().destroyForcibly();
      }
    }
    for (String m : List.of("m1", "m2")) {
      if (dir != null && Launcher.mounted(dir.resolve(m))) {
        new ProcessBuilder("fusermount", "-u", "-z", dir.resolve(m).toString()).start()
            .waitFor(10, TimeUnit.SECONDS);
      }
    }
    if (dir != null) {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void threeReplicas_blobServer_twoMounts_replicaKilledAndRestarted() throws Exception {
    dir = Files.createTempDirectory("quorumfs-deploy-it");
    int[] ports = {Endpoints.freePort(), Endpoints.freePort(), Endpoints.freePort()};
    int blobPort = Endpoints.freePort();
    String peers = "n1=127.0.0.1:" + ports[0] + ",n2=127.0.0.1:" + ports[1] + ",n3=127.0.0.1:"
        + ports[2];
    metaUri = "raft://127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1] + ",127.0.0.1:"
        + ports[2];
    Path certs = Files.createDirectories(dir.resolve("tls"));
    TestCerts.make(certs, PASSWORD);
    tlsMetaUri = metaUri + "?tlsKeyStore=" + certs.resolve("node.p12") + "&tlsTrustStore="
        + certs.resolve("trust.p12") + "&tlsPassword=" + PASSWORD;
    Path config = dir.resolve("quorumfs.yaml");
    Files.writeString(config, "# one file for every process of the deployment\n"
        + "meta:\n  peers: " + peers + "\n  uri: " + metaUri + "\n"
        + "blob:\n  listen: 127.0.0.1:" + blobPort + "\n  uri: http://127.0.0.1:" + blobPort + "\n"
        + "log:\n  level: INFO\n"
        + "tls:\n  enabled: true\n  key-store: " + certs.resolve("node.p12") + "\n"
        + "  trust-store: " + certs.resolve("trust.p12") + "\n");
    String cfg = config.toString();

    step("for (String id : List.of(n1,");
    for (String id : List.of("n1", "n2", "n3")) {
      replicas.put(id, startReplica(id, cfg));
    }
    Launcher.Started blob = start("blob", "blob", "start", "--config", cfg, "--data-dir",
        dir.resolve("blobhost").toString());
    for (Launcher.Started s : started) {
      awaitReady(s);
    }
    awaitStatus(cfg, 3, "all three replicas");
    assertTrue(out(blob).contains("serving") && out(blob).contains(" at https://127.0.0.1:"),
        out(blob));

    step("Launcher.Started m1 = start(");
    Launcher.Started m1 = start("m1", "mount", dir.resolve("m1").toString(), "--config", cfg,
        "--data-dir", dir.resolve("client1").toString());
    Launcher.Started m2 = start("m2", "mount", dir.resolve("m2").toString(), "--config", cfg,
        "--data-dir", dir.resolve("client2").toString());
    awaitReady(m1);
    awaitReady(m2);

    step("Path a = dir.resolve(m1);");
    Path a = dir.resolve("m1");
    Path b = dir.resolve("m2");
    Files.writeString(a.resolve("from-1.txt"), "written on client 1\n");
    assertTrue(Launcher.waitFor(Duration.ofSeconds(120), () -> read(b.resolve("from-1.txt"))
        .equals("written on client 1\n")), "client 2 does not see client 1's file");

    step("// kill a follower");
    // kill a follower: the group keeps a leader and keeps serving
    String victim = follower();
    replicas.get(victim).process().destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    Launcher.Result degraded = awaitStatus(cfg, 2, "two reachable replicas after killing " + victim);
    assertTrue(degraded.out().contains("UNREACHABLE"), degraded.out());
    Files.writeString(b.resolve("from-2.txt"), "written on client 2 with " + victim + " down\n");
    assertTrue(Launcher.waitFor(Duration.ofSeconds(120), () -> read(a.resolve("from-2.txt"))
        .startsWith("written on client 2")), "client 1 does not see client 2's file");

    step("// restart it");
    // restart it: it catches up (lag 0 everywhere)
    replicas.put(victim, startReplica(victim, cfg));
    awaitReady(replicas.get(victim));
    assertTrue(Launcher.waitFor(Duration.ofSeconds(180), () -> {
      MetaStatus st = MetaStatus.query(tlsMetaUri, Duration.ofSeconds(10));
      long leaderCommit = st.replicas().stream().filter(r -> "LEADER".equals(r.role()))
          .mapToLong(MetaStatus.Replica::commitIndex).max().orElse(-1);
      return st.replicas().stream().allMatch(r -> r.reachable() && r.appliedIndex() >= leaderCommit);
    }), "restarted replica did not catch up");
    awaitStatus(cfg, 3, "all three replicas after the restart");

    step("// quorumfs umount");
    // quorumfs umount ends the mount process
    Launcher.Result um = Launcher.run(Duration.ofSeconds(180), env, "umount", b.toString());
    assertEquals(0, um.code(), um.out() + um.err());
    assertTrue(m2.process().waitFor(60, TimeUnit.SECONDS), "mount process did not exit");
    assertTrue(!Launcher.mounted(b));

    step("Launcher.Result fsck =");
    Launcher.Result fsck = Launcher.run(Duration.ofSeconds(180), env, "fsck", "--config", cfg);
    assertEquals(0, fsck.code(), fsck.out() + fsck.err());
    step("assertTrue(blob.process().isAl");
    assertTrue(blob.process().isAlive());
  }

  private final long t0 = System.nanoTime();

  /** Progress of the test in its output file, with seconds since the start. */
  private void step(String what) {
    System.out.printf("%6.1fs %s%n", (System.nanoTime() - t0) / 1e9, what);
  }

  private Launcher.Started startReplica(String id, String cfg) throws IOException {
    return start(id + "-" + System.nanoTime(), "meta", "start", "--config", cfg, "--id", id,
        "--data-dir", dir.resolve("host-" + id).toString());
  }

  private Launcher.Started start(String name, String... args) throws IOException {
    Launcher.Started s = Launcher.start(dir, name, env, args);
    started.add(s);
    return s;
  }

  private static void awaitReady(Launcher.Started s) throws Exception {
    assertTrue(Launcher.waitFor(Duration.ofSeconds(240), () -> out(s).contains("READY")
        || !s.process().isAlive()), "not ready: " + s.stderr());
    assertTrue(s.process().isAlive(), "exited: " + s.stdout() + s.stderr());
  }

  private Launcher.Result status(String cfg) {
    try {
      return Launcher.run(Duration.ofSeconds(120), env, "status", "--json", "--timeout", "15",
          "--config", cfg);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /**
   * Polls the group in-process (one JVM launch per poll would dominate the test's time) until
   * exactly one leader and {@code reachable} answering replicas, then checks `quorumfs status`.
   */
  private Launcher.Result awaitStatus(String cfg, int reachable, String what) throws Exception {
    MetaStatus[] last = new MetaStatus[1];
    Launcher.Result[] cli = new Launcher.Result[1];
    // On a loaded machine a leader may step down for a moment: poll until both agree.
    boolean ok = Launcher.waitFor(Duration.ofSeconds(240), () -> {
      last[0] = MetaStatus.query(tlsMetaUri, Duration.ofSeconds(10));
      boolean inProcess = last[0].replicas().stream().filter(r -> "LEADER".equals(r.role()))
          .count() == 1
          && last[0].replicas().stream().filter(MetaStatus.Replica::reachable).count() == reachable;
      if (!inProcess) {
        return false;
      }
      cli[0] = status(cfg);
      return cli[0].code() == 0 && count(cli[0].out(), "\"role\":\"LEADER\"") == 1
          && count(cli[0].out(), "\"error\":null") == reachable;
    });
    assertTrue(ok, what + ": " + last[0] + (cli[0] == null ? "" : "; quorumfs status: "
        + cli[0].out() + cli[0].err()));
    return cli[0];
  }

  private String follower() {
    return MetaStatus.query(tlsMetaUri, Duration.ofSeconds(10)).replicas().stream()
        .filter(r -> "FOLLOWER".equals(r.role())).map(MetaStatus.Replica::id).findFirst()
        .orElseThrow(() -> new AssertionError("no follower"));
  }

  private static String out(Launcher.Started s) {
    try {
      return s.stdout();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      return "";
    }
  }

  private static int count(String text, String needle) {
    int n = 0;
    for (int i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) {
      n++;
    }
    return n;
  }

}
