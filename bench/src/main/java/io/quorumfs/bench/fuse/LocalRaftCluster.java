package io.quorumfs.bench.fuse;

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

/** Three ratis-meta replicas as child JVMs on loopback, for {@code fsbench --cluster}. */
final class LocalRaftCluster implements AutoCloseable {
  private final Map<String, String> peers = new LinkedHashMap<>();
  private final List<Process> procs = new ArrayList<>();

  LocalRaftCluster(Path root) throws Exception {
    for (int i = 1; i <= 3; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        peers.put("n" + i, "127.0.0.1:" + s.getLocalPort());
      }
    }
    StringBuilder spec = new StringBuilder();
    peers.forEach((k, v) -> spec.append(spec.length() == 0 ? "" : ",").append(k).append('=').append(v));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Files.createDirectories(root);
    try {
      for (String id : peers.keySet()) {
        // The replicas log like the benchmark JVM (run.sh: WARN); logback's default is DEBUG to the console.
        String logConfig = System.getProperty("logback.configurationFile", "");
        List<String> cmd = List.of(java, "-Xmx512m", "-XX:+UseG1GC", "-Dio.netty.tryReflectionSetAccessible=true",
            "-Dlogback.configurationFile=" + logConfig, "-cp", System.getProperty("java.class.path"), MetaServerMain.class.getName(), "--id", id,
            "--peers", spec.toString(), "--dir", root.resolve(id).toString());
        procs.add(new ProcessBuilder(cmd).redirectErrorStream(true)
            .redirectOutput(root.resolve(id + ".log").toFile()).start());
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
      while (true) {
        try {
          if (MetaStatus.query(uri(), Duration.ofSeconds(3)).leaderId() != null) {
            break;
          }
        } catch (RuntimeException e) {
          // not yet
        }
        if (System.nanoTime() > deadline) {
          throw new IOException("no Raft leader within 120 s; see the logs in " + root);
        }
        Thread.sleep(200);
      }
    } catch (Exception e) {
      close();
      throw e;
    }
  }

  String uri() {
    return "raft://" + String.join(",", peers.values()) + "?timeout=40s";
  }

  @Override
  public void close() {
    for (Process p : procs) {
      p.destroy();
    }
    for (Process p : procs) {
      try {
        p.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
