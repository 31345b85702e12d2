package io.quorumfs.meta;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/** Three (or n) in-process replicas on free loopback ports, each with its own dirs. */
final class LocalCluster implements AutoCloseable {

  final Path root;
  final Map<String, String> peers = new LinkedHashMap<>();
  final List<MetaServer> servers = new ArrayList<>();
  private final String storeKind;
  private final UnaryOperator<MetaServerConfig.Builder> tweak;

  LocalCluster(Path root, int n, String storeKind) throws IOException {
    this(root, n, storeKind, b -> b);
  }

  LocalCluster(Path root, int n, String storeKind, UnaryOperator<MetaServerConfig.Builder> tweak) throws IOException {
    this(root, n, storeKind, tweak, "127.0.0.1");
  }

  /** On {@code host} ({@code ::1} for IPv6 loopback). */
  LocalCluster(Path root, int n, String storeKind, UnaryOperator<MetaServerConfig.Builder> tweak, String host)
      throws IOException {
    this.root = root;
    this.storeKind = storeKind;
    this.tweak = tweak;
    List<Integer> ports = io.quorumfs.kv.FreePorts.distinct(n);
    for (int i = 1; i <= n; i++) {
      peers.put("n" + i, new io.quorumfs.kv.HostPort(host, ports.get(i - 1)).toString());
    }
    try {
      for (String id : peers.keySet()) {
        servers.add(MetaServer.start(config(id)));
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw e;
    }
  }

  MetaServerConfig config(String id) {
    Path dir = root.resolve(id);
    MetaServerConfig.Builder b = MetaServerConfig.builder().id(id).peers(peers).storageDir(dir)
        .storeUri(storeKind.equals("mem") ? "mem:" : "rocks://" + dir.resolve("kv").toAbsolutePath());
    return tweak.apply(b).build();
  }

  String uri() {
    return "raft://" + String.join(",", peers.values());
  }

  MetaServer server(String id) {
    for (MetaServer s : servers) {
      if (s.id().equals(id)) {
        return s;
      }
    }
    return null;
  }

  void stop(String id) {
    MetaServer s = server(id);
    if (s != null) {
      s.close();
      servers.remove(s);
    }
  }

  void restart(String id) throws IOException {
    stop(id);
    servers.add(MetaServer.start(config(id)));
  }

  String awaitLeader(Duration timeout) {
    String[] leader = new String[1];
    poll(timeout, "a leader", () -> {
      for (MetaServer s : servers) {
        if (s.isLeader()) {
          leader[0] = s.id();
          return true;
        }
      }
      return false;
    });
    return leader[0];
  }

  static void poll(Duration timeout, String what, BooleanSupplier cond) {
    io.quorumfs.kv.Poll.until(timeout, what, cond);
  }

  /** A free port, distinct from the ports this method returned before in this JVM. */
  static int freePort() {
    return io.quorumfs.kv.FreePorts.fresh();
  }

  /** Stops every replica, in parallel (a Ratis server takes a while to shut down). */
  @Override
  public void close() {
    List<Thread> threads = new ArrayList<>();
    for (MetaServer s : servers) {
      Thread t = new Thread(s::close, "close-" + s.id());
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      try {
        t.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    servers.clear();
  }
}
