package io.quorumfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.quorumfs.blob.DirBlobStore;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directory delegations through two real mounts of one file system on a 3-replica raft://
 * cluster: both clients take delegations (after 2 creates in a directory), so creates on one mount
 * are answered locally and recalled by the other mount's lookups and listings.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DelegationMountsTest {
  private RaftCluster cluster;
  private DirBlobStore blobs;
  private KvStore metaA;
  private KvStore metaB;
  private FileSystem fsA;
  private FileSystem fsB;
  private final MetricRegistry metricsA = new MetricRegistry();
  private final MetricRegistry metricsB = new MetricRegistry();
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
    fsA = ClientMountMain.openWithRetry(metaA, blobs, ClientMountMain.clientConfig(Duration.ofSeconds(10))
        .toBuilder().metrics(metricsA).delegations(true).delegationTakeAfter(2).build());
    fsB = ClientMountMain.openWithRetry(metaB, blobs, ClientMountMain.clientConfig(Duration.ofSeconds(10))
        .toBuilder().metrics(metricsB).delegations(true).delegationTakeAfter(2).build());
    mntA = Files.createDirectories(tmp.resolve("a"));
    mntB = Files.createDirectories(tmp.resolve("b"));
    mountA = FuseMount.mount(fsA, mntA, MountOptions.defaults().toBuilder().name("deleg-a").build());
    mountB = FuseMount.mount(fsB, mntB, MountOptions.defaults().toBuilder().name("deleg-b").build());
  }

  @AfterAll
  void stop() throws Exception {
    try {
      for (AutoCloseable c : new AutoCloseable[] {mountA, mountB}) {
        if (c != null) {
          c.close();
        }
      }
    } finally {
      for (Path p : new Path[] {mntA, mntB}) {
        if (p != null) {
          Mounts.forceUnmount(p);
          assertFalse(Mounts.isMounted(p), "still mounted: " + p);
        }
      }
      for (AutoCloseable c : new AutoCloseable[] {fsA, fsB, metaA, metaB, blobs, cluster}) {
        if (c != null) {
          c.close();
        }
      }
    }
  }

  private static List<String> list(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void createsOnOneMount_areAnsweredLocally_andListedAtOnceOnTheOther() throws Exception {
    Files.createDirectory(mntA.resolve("d"));
    List<String> want = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      String n = String.format("f%03d", i);
      Files.write(mntA.resolve("d").resolve(n), new byte[0]);
      want.add(n);
    }
    try (FileChannel dir = FileChannel.open(mntA.resolve("d"), StandardOpenOption.READ)) {
      dir.force(true); // fsyncdir
    }
    for (int i = 40; i < 60; i++) {
      String n = String.format("f%03d", i);
      Files.write(mntA.resolve("d").resolve(n), ("content " + i).getBytes());
      want.add(n);
    }
    assertTrue(metricsA.counter("quorumfs.fs.deleg.local").getCount() > 0,
        "some creates on A were delegated");
    assertEquals(want, list(mntB.resolve("d")), "B lists every create of A, at once");
    assertEquals("content 59", Files.readString(mntB.resolve("d").resolve("f059")));
    // Back the other way: B creates there, A sees it; then both alternate.
    for (int i = 0; i < 20; i++) {
      Path me = i % 2 == 0 ? mntB : mntA;
      Path other = i % 2 == 0 ? mntA : mntB;
      String n = String.format("g%03d", i);
      Files.write(me.resolve("d").resolve(n), new byte[0]);
      want.add(n);
      assertTrue(Files.exists(other.resolve("d").resolve(n)), "the other mount sees " + n);
    }
    assertEquals(want, list(mntA.resolve("d")));
    assertEquals(want, list(mntB.resolve("d")));
  }

  @Test
  void coherenceTrials_passWithDelegationsOnBothMounts() throws Exception {
    long seed = Long.getLong("coherence.seed", System.nanoTime());
    String dir = "coherence-" + Long.toHexString(seed);
    Files.createDirectory(mntA.resolve(dir));
    CoherenceChecker checker = new CoherenceChecker(mntA.resolve(dir), mntB.resolve(dir), seed);
    List<String> violations = checker.run(Integer.getInteger("coherence.trials", 100));
    System.out.printf("delegations coherence (seed %d): %s; delegated ops A %d B %d, recalls %d%n", seed,
        checker.summary(), metricsA.counter("quorumfs.fs.deleg.local").getCount(),
        metricsB.counter("quorumfs.fs.deleg.local").getCount(),
        metricsA.counter("quorumfs.fs.deleg.recalls").getCount()
            + metricsB.counter("quorumfs.fs.deleg.recalls").getCount());
    assertTrue(violations.isEmpty(), violations.size() + " violations (seed " + seed + "):\n"
        + String.join("\n", violations.subList(0, Math.min(50, violations.size()))));
  }
}
