package io.quorumfs.meta;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStoreContract;
import io.quorumfs.kv.KvStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KV contract on raft://, against 3-replica in-process clusters (rocks: replica stores). A
 * cluster is started once per class; each test gets a fresh, empty store by a reset entry
 * ({@link RaftKvStore#resetForTests}) that deletes every key and the feed history, then a new
 * client. A second cluster with a 10-commit feed serves {@code newStoreWithHistory}.
 */
class RaftKvStoreContractTest extends KvStoreContract {

  @TempDir
  static Path dir;
  private static LocalCluster main;
  private static LocalCluster small;

  private static LocalCluster start(int feedEvents) {
    try {
      LocalCluster c = new LocalCluster(Files.createTempDirectory(dir, "c"), 3, "rocks",
          b -> b.feedEvents(feedEvents).allowTestReset(true));
      c.awaitLeader(Duration.ofSeconds(60));
      return c;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Extra {@code raft://} query parameters of the clients under test. */
  protected String params() {
    return "";
  }

  private KvStore fresh(LocalCluster c) {
    KvStore s = KvStores.open(c.uri() + params());
    ((RaftKvStore) s).resetForTests();
    return s;
  }

  @Override
  protected KvStore newStore() {
    if (main == null) {
      main = start(100_000);
    }
    return fresh(main);
  }

  @Override
  protected KvStore newStoreWithHistory(int commits) {
    if (small != null) {
      small.close();
    }
    small = start(commits);
    return fresh(small);
  }

  @Override
  protected KvStore reopen(KvStore store) {
    String uri = store.toString();
    store.close();
    return KvStores.open(uri);
  }

  @AfterAll
  static void stopClusters() {
    if (main != null) {
      main.close();
      main = null;
    }
    if (small != null) {
      small.close();
      small = null;
    }
  }
}
