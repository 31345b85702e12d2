package io.quorumfs.meta;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStoreContract;
import io.quorumfs.kv.KvStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KV contract on raft://: every test gets a fresh 3-replica in-process cluster (mem: replica
 * stores, short election timeouts since the cluster is in one JVM), reached through its URI.
 */
final class RaftKvStoreContractTest extends KvStoreContract {

  @TempDir
  Path dir;
  private final List<LocalCluster> clusters = new ArrayList<>();
  private final List<String> uris = new ArrayList<>();

  private KvStore open(int feedEvents) {
    try {
      LocalCluster c = new LocalCluster(Files.createTempDirectory(dir, "c"), 3, "mem",
          b -> b.rpcTimeoutMin(Duration.ofMillis(400)).rpcTimeoutMax(Duration.ofMillis(800))
              .feedEvents(feedEvents));
      clusters.add(c);
      uris.add(c.uri());
      c.awaitLeader(Duration.ofSeconds(30));
      return KvStores.open(c.uri());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected KvStore newStore() {
    return open(100_000);
  }

  @Override
  protected KvStore newStoreWithHistory(int commits) {
    return open(commits);
  }

  @Override
  protected KvStore reopen(KvStore store) {
    String uri = store.toString();
    store.close();
    return KvStores.open(uri);
  }

  @AfterEach
  void stopClusters() {
    clusters.forEach(LocalCluster::close);
    clusters.clear();
  }
}
