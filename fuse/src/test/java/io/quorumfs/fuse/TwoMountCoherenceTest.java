package io.quorumfs.fuse;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.blob.DirBlobStore;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Close-to-open coherence between two real mounts of one file system on a 3-replica raft://
 * cluster (three replica JVMs). The two clients are separate {@link FileSystem} instances, each
 * with its own raft:// connection, change-feed subscription and cache, each mounted with the
 * default options. {@link CoherenceChecker} runs randomized back-to-back trials, alternating the
 * writing mount; any violation fails the test with every violation listed. Trials:
 * {@code -Dcoherence.trials=N} (200 by default; the Maven profile {@code coherence-long} runs 1,000);
 * {@code -Dcoherence.relaxed=true} runs them against {@code coherent(false)} mounts, which fail.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TwoMountCoherenceTest {
  private static final int TRIALS = Integer.getInteger("coherence.trials", 200);
  /** {@code -Dcoherence.relaxed=true}: mount with the old, less coherent setup (to see it fail). */
  private static final boolean RELAXED = Boolean.getBoolean("coherence.relaxed");
  private RaftCluster cluster;
  private DirBlobStore blobs;
  private KvStore metaA;
  private KvStore metaB;
  private FileSystem fsA;
  private FileSystem fsB;
  private final com.codahale.metrics.MetricRegistry metricsA = new com.codahale.metrics.MetricRegistry();
  private final com.codahale.metrics.MetricRegistry metricsB = new com.codahale.metrics.MetricRegistry();
  private MountHandle mountA;
  private MountHandle mountB;
  private Path mntA;
  private Path mntB;

  @BeforeAll
  void start(@TempDir Path tmp) throws Exception {
    cluster = new RaftCluster(tmp.resolve("cluster"));
    blobs = DirBlobStore.open(Files.createDirectories(tmp.resolve("blobs")));
    metaA = KvStores.open(cluster.uri());
    metaB = KvStores.open(cluster.uri());
    fsA = ClientMountMain.openWithRetry(metaA, blobs,
        ClientMountMain.clientConfig(Duration.ofSeconds(10)).toBuilder().metrics(metricsA).build());
    fsB = ClientMountMain.openWithRetry(metaB, blobs,
        ClientMountMain.clientConfig(Duration.ofSeconds(10)).toBuilder().metrics(metricsB).build());
    mntA = Files.createDirectories(tmp.resolve("a"));
    mntB = Files.createDirectories(tmp.resolve("b"));
    MountOptions options = RELAXED
        ? MountOptions.defaults().toBuilder().coherent(false).attrTimeout(MountOptions.RELAXED_ATTR_TIMEOUT).build()
        : MountOptions.defaults();
    mountA = FuseMount.mount(fsA, mntA, options.toBuilder().name("coh-a").build());
    mountB = FuseMount.mount(fsB, mntB, options.toBuilder().name("coh-b").build());
  }

  @AfterAll
  void stop() throws Exception {
    try {
      closeAll(mountA, mountB);
    } finally {
      for (Path p : new Path[] {mntA, mntB}) {
        if (p != null) {
          Mounts.forceUnmount(p);
          assertFalse(Mounts.isMounted(p), "still mounted: " + p);
        }
      }
      closeAll(fsA, fsB, metaA, metaB, blobs, cluster);
    }
  }

  private static void closeAll(AutoCloseable... all) throws Exception {
    Exception first = null;
    for (AutoCloseable c : all) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        if (first == null) {
          first = e;
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  @Test
  void backToBackTrials_closeOnOneMount_isSeenByTheNextOpenStatOrCreateOnTheOther() throws Exception {
    long seed = Long.getLong("coherence.seed", System.nanoTime());
    String dir = "coherence-" + Long.toHexString(seed);
    Files.createDirectory(mntA.resolve(dir));
    List<String> violations = new ArrayList<>();
    if (!Files.isDirectory(mntB.resolve(dir))) { // a lookup right after A's mkdir returned
      violations.add("setup: directory made on A not seen on B at once");
      io.quorumfs.kv.Poll.until(Duration.ofSeconds(30), "directory " + dir + " made on A to show on B",
          () -> Files.isDirectory(mntB.resolve(dir)));
    }
    CoherenceChecker checker = new CoherenceChecker(mntA.resolve(dir), mntB.resolve(dir), seed);
    long start = System.nanoTime();
    checker.run(TRIALS / 2);
    // The leader dies mid-run: leases held with it end, the new leader holds its replies until
    // they have lapsed, and the clients read by barriers until they hold new leases.
    String leader = cluster.awaitLeader(Duration.ofSeconds(60));
    cluster.kill(leader);
    System.out.printf("coherence: killed leader %s after %d trials%n", leader, TRIALS / 2);
    violations.addAll(checker.run(TRIALS - TRIALS / 2));
    System.out.printf("coherence: %d trials (seed %d) in %.1f s: %s%n", TRIALS, seed,
        (System.nanoTime() - start) / 1e9, checker.summary());
    violations.forEach(v -> System.out.println("  " + v));
    long leased = metricsA.counter("quorumfs.fs.barrier.leased").getCount()
        + metricsB.counter("quorumfs.fs.barrier.leased").getCount();
    long roundTrips = metricsA.counter("quorumfs.fs.barrier.roundtrip").getCount()
        + metricsB.counter("quorumfs.fs.barrier.roundtrip").getCount();
    System.out.printf("coherence: read barriers answered by the lease %d, by a revision round trip %d%n",
        leased, roundTrips);
    if (!RELAXED) {
      assertTrue(leased > 0, "raft:// clients hold cache leases: no barrier was answered by one");
    }
    assertTrue(violations.isEmpty(), violations.size() + " violations in " + TRIALS + " trials (seed " + seed + "):\n"
        + String.join("\n", violations.subList(0, Math.min(100, violations.size()))));
  }
}
