package io.quorumfs.fuse;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.quorumfs.blob.DirBlobStore;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.redis.RedisServerExtension;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Close-to-open between two mounts when the metadata is on redis://, which has no leader to hold
 * cache leases: every open, lookup and getattr takes a read barrier (the fallback path). Two
 * clients, each its own redis:// connection, change feed and cache, each mounted.
 */
class RedisTwoMountsCoherenceTest {
  private static final int TRIALS = Integer.getInteger("coherence.redisTrials", 100);

  @RegisterExtension
  static final RedisServerExtension REDIS = new RedisServerExtension();

  @TempDir
  Path tmp;

  @Test
  void backToBackTrials_onRedis_useBarriers_andSeeEveryClose() throws Exception {
    String uri = REDIS.freshUri();
    MetricRegistry metricsA = new MetricRegistry();
    MetricRegistry metricsB = new MetricRegistry();
    Path mntA = Files.createDirectories(tmp.resolve("a"));
    Path mntB = Files.createDirectories(tmp.resolve("b"));
    List<AutoCloseable> open = new ArrayList<>();
    try {
      DirBlobStore blobs = DirBlobStore.open(Files.createDirectories(tmp.resolve("blobs")));
      open.add(blobs);
      KvStore metaA = KvStores.open(uri);
      open.add(metaA);
      KvStore metaB = KvStores.open(uri);
      open.add(metaB);
      FileSystem fsA = ClientMountMain.openWithRetry(metaA, blobs,
          ClientMountMain.clientConfig(Duration.ofSeconds(10)).toBuilder().metrics(metricsA).build());
      open.add(fsA);
      FileSystem fsB = ClientMountMain.openWithRetry(metaB, blobs,
          ClientMountMain.clientConfig(Duration.ofSeconds(10)).toBuilder().metrics(metricsB).build());
      open.add(fsB);
      open.add(FuseMount.mount(fsA, mntA, MountOptions.defaults().toBuilder().name("redis-a").build()));
      open.add(FuseMount.mount(fsB, mntB, MountOptions.defaults().toBuilder().name("redis-b").build()));

      long seed = Long.getLong("coherence.seed", System.nanoTime());
      String dir = "coherence-" + Long.toHexString(seed);
      Files.createDirectory(mntA.resolve(dir));
      List<String> violations = new ArrayList<>();
      if (!Files.isDirectory(mntB.resolve(dir))) {
        violations.add("setup: directory made on A not seen on B at once");
      }
      CoherenceChecker checker = new CoherenceChecker(mntA.resolve(dir), mntB.resolve(dir), seed);
      if (violations.isEmpty()) {
        violations.addAll(checker.run(TRIALS));
      }
      long roundTrips = metricsA.counter("quorumfs.fs.barrier.roundtrip").getCount()
          + metricsB.counter("quorumfs.fs.barrier.roundtrip").getCount();
      long leased = metricsA.counter("quorumfs.fs.barrier.leased").getCount()
          + metricsB.counter("quorumfs.fs.barrier.leased").getCount();
      System.out.printf("redis coherence: %d trials (seed %d): %s; barriers by round trip %d, by lease %d%n",
          TRIALS, seed, checker.summary(), roundTrips, leased);
      assertTrue(violations.isEmpty(), violations.size() + " violations (seed " + seed + "):\n"
          + String.join("\n", violations.subList(0, Math.min(100, violations.size()))));
      assertTrue(roundTrips > 0 && leased == 0, "redis:// has no leases: barriers go to the store");
    } finally {
      for (int i = open.size() - 1; i >= 0; i--) {
        try {
          open.get(i).close();
        } catch (Exception e) {
          // keep closing the rest
        }
      }
      for (Path p : new Path[] {mntA, mntB}) {
        Mounts.forceUnmount(p);
        assertFalse(Mounts.isMounted(p), "still mounted: " + p);
      }
    }
  }
}
