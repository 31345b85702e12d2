package io.quorumfs.fuse;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.quorumfs.blob.BlobGc;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.fs.Fsck;
import io.quorumfs.fs.GcMark;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.MemKvStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Runs {@link FileExerciser} (in a child JVM: it maps the file) on real mounts of clients of one
 * store, with 16 KiB chunks and a 64 KiB write buffer, so writes, truncates and maps cross chunk
 * boundaries and fill the buffer often: with mmap (the file open twice, each op on either handle)
 * and without on one mount, and on one file through two mounts (two clients, switching at close
 * and open). Every failing seed
 * is reported with the exerciser's output. By default the metadata is on a 3-replica raft://
 * cluster (three replica JVMs, cache leases on) and each run is 20,000 ops (about 4 minutes for
 * the class on a quiet 2-core machine). {@code -Dexerciser.ops=N} sets the ops per run, {@code
 * -Dexerciser.seeds=1,5-9} runs every mode with each of those seeds, {@code
 * -Dexerciser.relaxed=true} mounts with the old, less coherent options, {@code
 * -Dexerciser.store=mem} puts the metadata in memory (much faster), {@code
 * -Dexerciser.chunk}, {@code -Dexerciser.maxSize} and {@code -Dexerciser.maxLen} change the chunk
 * size (and write buffer: 4 chunks), the largest file and the longest op; the Maven profile
 * {@code exerciser-long} runs 100,000 ops per seed.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FileExerciserTest {
  static final int CHUNK = Integer.getInteger("exerciser.chunk", 16 * 1024);
  private static final FsConfig CONFIG =
      FsConfig.defaults().toBuilder().chunkSize(CHUNK).writeBufferBytes(4L * CHUNK).build();
  private static final long OPS = Long.getLong("exerciser.ops", 20_000);
  private static final int MAX_SIZE = Integer.getInteger("exerciser.maxSize", 256 * 1024);
  private static final int MAX_LEN = Integer.getInteger("exerciser.maxLen", 64 * 1024);

  private Path tmp;
  private KvStore store;
  /** With -Dexerciser.store=raft: a 3-replica raft:// cluster (three replica JVMs) holds the metadata. */
  private RaftCluster cluster;
  /** Blobs in RocksDB, off the heap: every op rewrites chunks, a long run writes gigabytes. */
  private KvStore blobKv;
  private BlobStore blobs;
  private final List<FileSystem> clients = new ArrayList<>();
  private final List<MountHandle> handles = new ArrayList<>();
  private final List<Path> mounts = new ArrayList<>();
  /** One client, for the runs on one mount. */
  private Path solo;
  /** Two more clients, for one file through two mounts. */
  private Path c1;
  private Path c2;

  @BeforeAll
  void mount(@TempDir Path dir) throws Exception {
    tmp = dir;
    if (System.getProperty("exerciser.store", "raft").equals("raft")) {
      cluster = new RaftCluster(tmp.resolve("cluster"));
      store = KvStores.open(cluster.uri());
    } else {
      store = new MemKvStore();
    }
    blobKv = KvStores.open("rocks://" + tmp.resolve("blobs").toAbsolutePath());
    blobs = FileSystems.blobsIn(blobKv, CONFIG);
    solo = mountClient("solo");
    c1 = mountClient("c1");
    c2 = mountClient("c2");
  }

  /**
   * The default (coherent) mount options; with -Dexerciser.relaxed=true the setup before main's
   * c410fec (20 ms attribute cache, LOOKUP answered before open's barrier, auto_cache), with which
   * the two-mount run fails within a few hundred ops (docs/fuse.md, "The file exerciser").
   */
  private static MountOptions options(String name) {
    MountOptions.Builder b = MountOptions.defaults().toBuilder().name(name);
    if (Boolean.getBoolean("exerciser.relaxed")) {
      b.coherent(false).attrTimeout(MountOptions.RELAXED_ATTR_TIMEOUT);
    }
    return b.build();
  }

  /** Another client of the store (its own FileSystem: cache, session, handles) mounted on tmp/name. */
  private Path mountClient(String name) throws Exception {
    Path mnt = Files.createDirectories(tmp.resolve(name));
    FileSystem fs = ClientMountMain.openWithRetry(store, blobs, CONFIG); // a new raft:// cluster may have no leader yet
    clients.add(fs);
    mounts.add(mnt);
    handles.add(FuseMount.mount(fs, mnt, options(name)));
    return mnt;
  }

  @AfterAll
  void unmount() throws Exception {
    try {
      for (MountHandle h : handles) {
        h.close();
      }
    } finally {
      for (Path m : mounts) {
        Mounts.forceUnmount(m);
        assertFalse(Mounts.isMounted(m), "still mounted: " + m);
      }
      for (FileSystem fs : clients) {
        fs.close();
      }
      try {
        if (store != null && blobs != null) {
          Fsck.Report report = Fsck.run(store, blobs, CONFIG, false);
          assertTrue(report.clean(), "fsck after unmount: " + report);
        }
      } finally {
        if (blobs != null) {
          blobs.close();
        }
        if (blobKv != null) {
          blobKv.close();
        }
        if (store != null) {
          store.close();
        }
        if (cluster != null) {
          cluster.close();
        }
      }
    }
  }

  /** Deletes the chunks the runs so far rewrote (nothing else runs: no grace needed). */
  private void collectGarbage() {
    BlobGc gc = new BlobGc(blobs, Clock.systemUTC());
    BlobGc.Mark mark = gc.beginMark();
    GcMark.Marked marked = GcMark.liveBlobs(store, CONFIG, Duration.ofSeconds(60));
    gc.sweep(mark, marked.live()::contains, Duration.ZERO);
  }

  @Test
  void randomOps_withMmapOnTwoHandles_matchTheModel() throws Exception {
    List<String> failures = new ArrayList<>();
    for (long seed : seeds(1)) {
      exercise(failures, "mmap-" + seed, seed, List.of(solo.resolve("mmap-" + seed)), "--mmap", "on",
          "--handles", "2");
    }
    assertNoFailures(failures);
  }

  @Test
  void randomOps_withoutMmap_matchTheModel() throws Exception {
    List<String> failures = new ArrayList<>();
    for (long seed : seeds(2)) {
      exercise(failures, "plain-" + seed, seed, List.of(solo.resolve("plain-" + seed)), "--mmap", "off");
    }
    assertNoFailures(failures);
  }

  @Test
  void randomOps_throughTwoMounts_matchTheModelAtEveryOpen() throws Exception {
    List<String> failures = new ArrayList<>();
    for (long seed : seeds(3)) {
      String name = "two-" + seed;
      exercise(failures, name, seed, List.of(c1.resolve(name), c2.resolve(name)), "--mmap", "on");
    }
    assertNoFailures(failures);
  }

  /** The seeds of {@code -Dexerciser.seeds}: a comma-separated list of seeds and ranges ("1-20"). */
  private static long[] seeds(long dflt) {
    String s = System.getProperty("exerciser.seeds", "");
    if (s.isBlank()) {
      return new long[] {dflt};
    }
    return Arrays.stream(s.split(",")).map(String::trim).flatMapToLong(part -> {
      int dash = part.indexOf('-', 1);
      if (dash < 0) {
        return LongStream.of(Long.parseLong(part));
      }
      return LongStream.rangeClosed(Long.parseLong(part.substring(0, dash)), Long.parseLong(part.substring(dash + 1)));
    }).toArray();
  }

  private static void assertNoFailures(List<String> failures) {
    if (!failures.isEmpty()) {
      fail(failures.size() + " exerciser run(s) failed:\n" + String.join("\n", failures));
    }
  }

  /** Runs one seed in a child JVM; adds its output to {@code failures} if it fails. */
  private void exercise(List<String> failures, String name, long seed, List<Path> files, String... flags) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx128m", "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
        FileExerciser.class.getName(), "--seed", Long.toString(seed), "--ops", Long.toString(OPS),
        "--max-size", Integer.toString(MAX_SIZE), "--max-len", Integer.toString(MAX_LEN),
        "--chunk-size", Integer.toString(CHUNK)));
    for (Path f : files) {
      cmd.add("--file");
      cmd.add(f.toString());
    }
    cmd.addAll(List.of(flags));
    Path log = tmp.resolve(name + ".log");
    // Generous: a loaded 2-core machine runs the ops of the default run in well under a minute.
    Duration limit = Duration.ofSeconds(120 + OPS / 20);
    long start = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
    try {
      if (!p.waitFor(limit.toSeconds(), TimeUnit.SECONDS)) {
        fail("exerciser " + name + " did not finish within " + limit.toSeconds() + " s:\n" + Files.readString(log));
      }
    } finally {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
    collectGarbage();
    String out = Files.readString(log);
    System.out.printf("exerciser %s: exit %d in %.1f s%n%s", name, p.exitValue(),
        (System.nanoTime() - start) / 1e9, out);
    if (p.exitValue() != 0) {
      failures.add("exerciser " + name + " (seed " + seed + ") exit " + p.exitValue() + ":\n" + out);
    }
  }
}
