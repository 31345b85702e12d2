package io.quorumfs.meta;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Three replicas as separate JVMs on loopback ({@link MetaServerMain}, -Xmx256m each), started
 * with this JVM's classpath. Each logs to {@code <root>/<id>.log}. Tests kill (SIGKILL), stop
 * (SIGSTOP/SIGCONT) and restart them; {@link #close} kills whatever is left.
 */
final class ProcessCluster implements AutoCloseable {

  final Path root;
  final Map<String, String> peers = new LinkedHashMap<>();
  private final Map<String, Process> procs = new LinkedHashMap<>();
  private final List<String> extraArgs;
  private final Map<String, Integer> starts = new LinkedHashMap<>();

  ProcessCluster(Path root, List<String> extraArgs) throws IOException {
    this.root = root;
    this.extraArgs = extraArgs;
    List<Integer> ports = io.quorumfs.kv.FreePorts.distinct(3);
    for (int i = 1; i <= 3; i++) {
      peers.put("n" + i, "127.0.0.1:" + ports.get(i - 1));
    }
    try {
      for (String id : peers.keySet()) {
        start(id);
      }
      for (String id : peers.keySet()) {
        awaitReady(id);
      }
    } catch (IOException | RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  String uri() {
    return "raft://" + String.join(",", peers.values()) + "?timeout=40s";
  }

  String peerSpec() {
    StringBuilder sb = new StringBuilder();
    peers.forEach((id, a) -> sb.append(sb.length() == 0 ? "" : ",").append(id).append('=').append(a));
    return sb.toString();
  }

  Path log(String id) {
    return root.resolve(id + "-" + starts.getOrDefault(id, 0) + ".log");
  }

  void start(String id) throws IOException {
    starts.merge(id, 1, Integer::sum);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
        "-Dio.netty.tryReflectionSetAccessible=true", "-cp", System.getProperty("java.class.path"),
        MetaServerMain.class.getName(), "--id", id, "--peers", peerSpec(),
        "--dir", root.resolve(id).toString()));
    cmd.addAll(extraArgs);
    Files.createDirectories(root);
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log(id).toFile()).start();
    procs.put(id, p);
  }

  void awaitReady(String id) {
    LocalCluster.poll(Duration.ofSeconds(60), id + " to print READY (see " + log(id) + ")", () -> {
      Process p = procs.get(id);
      if (p != null && !p.isAlive()) {
        throw new AssertionError(id + " exited with " + p.exitValue() + ": " + tail(id));
      }
      return tail(id).contains("READY " + id);
    });
  }

  String tail(String id) {
    try {
      return Files.exists(log(id)) ? Files.readString(log(id), StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  long pid(String id) {
    return procs.get(id).pid();
  }

  /** SIGKILL, and wait until it is gone. */
  void kill(String id) {
    Process p = procs.remove(id);
    if (p != null) {
      p.destroyForcibly();
      try {
        p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  void restart(String id) throws IOException {
    kill(id);
    start(id);
    awaitReady(id);
  }

  void signal(String id, String sig) {
    try {
      Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(pid(id))).inheritIO().start();
      if (k.waitFor() != 0) {
        throw new AssertionError("kill -" + sig + " " + id + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The leader's id as the replicas report it, waiting up to {@code timeout}. */
  String awaitLeader(Duration timeout) {
    String[] leader = new String[1];
    LocalCluster.poll(timeout, "a leader", () -> {
      leader[0] = MetaStatus.query(uri(), Duration.ofSeconds(2)).leaderId();
      return leader[0] != null;
    });
    return leader[0];
  }

  @Override
  public void close() {
    for (String id : new ArrayList<>(procs.keySet())) {
      try {
        signal(id, "CONT");
      } catch (RuntimeException | AssertionError e) {
        // already gone
      }
      kill(id);
    }
  }
}
