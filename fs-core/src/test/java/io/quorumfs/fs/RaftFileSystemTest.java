package io.quorumfs.fs;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.meta.MetaServer;
import io.quorumfs.meta.MetaServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link FileSystemContract} on {@code raft://}: a 3-replica Ratis cluster in this JVM (rocks
 * replica stores, loopback ports), started once for the class.
 */
class RaftFileSystemTest extends FileSystemContract {
  @TempDir
  static Path dir;
  private static final List<MetaServer> SERVERS = new ArrayList<>();
  private static KvStore raft;

  @BeforeAll
  static void startCluster() throws IOException {
    Map<String, String> peers = new LinkedHashMap<>();
    List<Integer> ports = io.quorumfs.kv.FreePorts.distinct(3);
    for (int i = 1; i <= 3; i++) {
      peers.put("n" + i, "127.0.0.1:" + ports.get(i - 1));
    }
    for (String id : peers.keySet()) {
      Path d = dir.resolve(id);
      Files.createDirectories(d);
      SERVERS.add(MetaServer.start(MetaServerConfig.builder().id(id).peers(peers).storageDir(d)
          .storeUri("rocks://" + d.resolve("kv").toAbsolutePath()).build()));
    }
    raft = KvStores.open("raft://" + String.join(",", peers.values()));
    // The first commit waits for a leader.
    raft.commit(io.quorumfs.kv.Txn.builder().put("warmup".getBytes(), new byte[0]).build());
  }


  @Override
  protected KvStore store() {
    return raft;
  }

  @AfterAll
  static void stopCluster() throws InterruptedException {
    if (raft != null) {
      raft.close();
    }
    List<Thread> stops = new ArrayList<>();
    for (MetaServer s : SERVERS) {
      Thread t = new Thread(s::close);
      t.start();
      stops.add(t);
    }
    for (Thread t : stops) {
      t.join();
    }
    SERVERS.clear();
  }
}
