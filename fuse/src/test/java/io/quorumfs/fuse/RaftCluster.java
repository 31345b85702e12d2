package io.quorumfs.fuse;

import io.quorumfs.meta.MetaServerMain;
import io.quorumfs.meta.MetaStatus;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Three ratis-meta replicas as separate JVMs on loopback (free ports, -Xmx256m each), for FUSE
 * tests that need a real raft:// metadata quorum. A killed replica can be {@link #restart}ed on
 * its own directory and port. {@link #close} kills whatever is left.
 */
final class RaftCluster implements AutoCloseable {
  private final Path root;
  private final Map<String, String> peers = new LinkedHashMap<>();
  private final Map<String, Process> procs = new LinkedHashMap<>();
  /** Starts so far per replica: each start writes a log of its own. */
  private final Map<String, Integer> starts = new LinkedHashMap<>();

  RaftCluster(Path root) throws Exception {
    this(root, "127.0.0.1");
  }

  /** On {@code host} ({@code ::1}: the IPv6 loopback). */
  RaftCluster(Path root, String host) throws Exception {
    this.root = root;
    List<ServerSocket> held = new ArrayList<>(); // all bound until all are chosen: distinct ports
    try {
      for (int i = 1; i <= 3; i++) {
        ServerSocket s = new ServerSocket(0);
        held.add(s);
        peers.put("n" + i, new io.quorumfs.kv.HostPort(host, s.getLocalPort()).toString());
      }
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
    try {
      for (String id : peers.keySet()) {
        start(id);
      }
      for (String id : peers.keySet()) {
        awaitLog(id, "READY " + id, Duration.ofSeconds(90));
      }
      awaitLeader(Duration.ofSeconds(90));
    } catch (Exception | Error e) {
      close();
      throw e;
    }
  }

  String uri() {
    return "raft://" + String.join(",", peers.values()) + "?timeout=40s";
  }

  private void start(String id) throws IOException {
    StringBuilder spec = new StringBuilder();
    peers.forEach((k, v) -> spec.append(spec.length() == 0 ? "" : ",").append(k).append('=').append(v));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dio.netty.tryReflectionSetAccessible=true", "-cp", System.getProperty("java.class.path"),
        MetaServerMain.class.getName(), "--id", id, "--peers", spec.toString(), "--dir", root.resolve(id).toString());
    Files.createDirectories(root);
    starts.merge(id, 1, Integer::sum);
    procs.put(id, new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log(id).toFile()).start());
  }

  /** The log of the replica's latest start: {@code n1.log}, then {@code n1-2.log} after a restart, ... */
  Path log(String id) {
    int n = starts.getOrDefault(id, 1);
    return root.resolve(n == 1 ? id + ".log" : id + "-" + n + ".log");
  }

  /** Starts a killed replica again on its directory and port; returns once it listens. */
  void restart(String id, Duration timeout) throws Exception {
    if (procs.containsKey(id)) {
      throw new IllegalStateException(id + " is running");
    }
    start(id);
    awaitLog(id, "READY " + id, timeout);
  }

  private void awaitLog(String id, String text, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!(Files.exists(log(id)) && Files.readString(log(id)).contains(text))) {
      Process p = procs.get(id);
      if (p != null && !p.isAlive()) {
        throw new AssertionError(id + " exited: " + Files.readString(log(id)));
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(id + " did not print '" + text + "' within " + timeout);
      }
      Thread.sleep(50); // polling interval; the deadline bounds the wait
    }
  }

  /** The current leader's id, waiting up to {@code timeout} for one. */
  String awaitLeader(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      try {
        String leader = MetaStatus.query(uri(), Duration.ofSeconds(3)).leaderId();
        if (leader != null) {
          return leader;
        }
      } catch (RuntimeException e) {
        // not yet
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("no leader within " + timeout);
      }
      Thread.sleep(100); // polling interval; the deadline bounds the wait
    }
  }

  /** SIGKILL a replica and wait until it is gone. */
  void kill(String id) throws InterruptedException {
    Process p = procs.remove(id);
    if (p != null) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() {
    for (String id : new ArrayList<>(procs.keySet())) {
      try {
        kill(id);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
