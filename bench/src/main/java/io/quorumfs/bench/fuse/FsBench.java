package io.quorumfs.bench.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * A single-threaded file-system benchmark (issue 7's phases), run on a quorumfs mount and on a
 * native directory of the same disk, printing each phase and the ratio to native.
 *
 * <pre>
 * java ... io.quorumfs.bench.fuse.FsBench [--size-mib 1024] [--files 5000] [--small 2000]
 *     [--fsync 500] [--random 20000] [--native DIR] [--target DIR | --meta URI --blobs DIR]
 * </pre>
 *
 * Without {@code --target}, it opens fs-core itself (metadata {@code --meta}, default mem:; file
 * data in a directory blob store {@code --blobs}, default under the native dir) and mounts it in a
 * temporary directory. Cold phases drop the kernel page cache (root) and, for a self-mounted file
 * system, remount it with a fresh client so fs-core's caches are cold too.
 */
public final class FsBench {
  private FsBench() {}

  /** Where a phase runs: a directory plus a way to make caches cold. */
  interface Target extends AutoCloseable {
    String name();

    Path dir();

    /** Drops caches; may move the target (remount), so call {@link #dir()} again afterwards. */
    void makeCold() throws Exception;

    @Override
    default void close() throws Exception {}
  }

  record Result(String phase, String unit, double value) {}

  static final class Settings {
    long sizeMiB = 1024;
    int files = 5000;
    int small = 2000;
    int fsync = 500;
    int random = 20000;
    int listings = 50;
    Path nativeDir;
    Path target;
    String meta = "mem:";
    Path blobs;
    boolean cluster;
  }

  public static void main(String[] args) throws Exception {
    Settings s = parse(args);
    Files.createDirectories(s.nativeDir);
    System.out.printf("fsbench: %d files/dir, %d MiB sequential, %d small files, %d create+fsync, %d random reads%n",
        s.files, s.sizeMiB, s.small, s.fsync, s.random);
    List<Result> quorum;
    List<Result> nativeResults;
    LocalRaftCluster cluster = null;
    Path clusterDir = null;
    if (s.cluster) {
      clusterDir = Files.createTempDirectory(s.nativeDir, "raft-");
      cluster = new LocalRaftCluster(clusterDir);
      s.meta = cluster.uri();
      System.out.println("started a 3-replica cluster: " + s.meta);
    }
    try (Target q = s.target != null ? new ExistingDir("quorumfs", s.target) : SelfMount.start(s)) {
      System.out.println("quorumfs target: " + q.dir());
      quorum = runAll(q, s);
    } finally {
      if (cluster != null) {
        cluster.close();
        deleteTree(clusterDir);
      }
    }
    Path nat = Files.createTempDirectory(s.nativeDir, "native-");
    try (Target n = new ExistingDir("native", nat)) {
      System.out.println("native target: " + n.dir());
      nativeResults = runAll(n, s);
    } finally {
      deleteTree(nat);
    }
    System.out.println();
    System.out.printf("%-34s %14s %14s %8s%n", "phase", "quorumfs", "native", "ratio");
    for (int i = 0; i < quorum.size(); i++) {
      Result q = quorum.get(i);
      Result n = nativeResults.get(i);
      System.out.printf("%-34s %14s %14s %7.2fx%n", q.phase() + " (" + q.unit() + ")", fmt(q.value()), fmt(n.value()),
          q.value() / n.value());
    }
  }

  private static String fmt(double v) {
    return v >= 100 ? String.format("%,.0f", v) : String.format("%,.1f", v);
  }

  static List<Result> runAll(Target t, Settings s) throws Exception {
    List<Result> out = new ArrayList<>();
    Path root = Files.createDirectories(t.dir().resolve("fsbench"));
    Path dir = Files.createDirectories(root.resolve("many"));
    List<Path> names = new ArrayList<>();
    for (int i = 0; i < s.files; i++) {
      names.add(dir.resolve("file-" + i));
    }
    out.add(timed(t, "create " + s.files + " in one dir", "files/s", s.files, () -> {
      for (Path p : names) {
        Files.createFile(p);
      }
    }));
    out.add(timed(t, "stat", "stats/s", s.files, () -> {
      for (Path p : names) {
        Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      }
    }));
    out.add(timed(t, "readdir of " + s.files, "listings/s", s.listings, () -> {
      for (int i = 0; i < s.listings; i++) {
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
          for (Path ignored : ds) {
            n++;
          }
        }
        if (n != s.files) {
          throw new IllegalStateException("listed " + n + " of " + s.files);
        }
      }
    }));
    out.add(timed(t, "rename", "renames/s", s.files, () -> {
      for (int i = 0; i < names.size(); i++) {
        Path to = dir.resolve("renamed-" + i);
        Files.move(names.get(i), to);
        names.set(i, to);
      }
    }));
    out.add(timed(t, "unlink", "unlinks/s", s.files, () -> {
      for (Path p : names) {
        Files.delete(p);
      }
    }));
    out.add(timed(t, "mkdir tree 10x10x10", "dirs/s", 1110, () -> {
      Path tree = root.resolve("tree");
      for (int a = 0; a < 10; a++) {
        for (int b = 0; b < 10; b++) {
          for (int c = 0; c < 10; c++) {
            Files.createDirectories(tree.resolve("a" + a).resolve("b" + b).resolve("c" + c));
          }
        }
      }
    }));
    out.add(sequentialWrite(t, root, s));
    t.makeCold();
    Path big = t.dir().resolve("fsbench").resolve("big");
    out.add(timed(t, "seq read " + s.sizeMiB + " MiB (cold)", "MiB/s", s.sizeMiB, () -> {
      ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
      long total = 0;
      try (FileChannel ch = FileChannel.open(big)) {
        int n;
        while ((n = ch.read(buf.clear())) > 0) {
          total += n;
        }
      }
      if (total != s.sizeMiB << 20) {
        throw new IllegalStateException("read " + total + " bytes");
      }
    }));
    t.makeCold();
    Path big2 = t.dir().resolve("fsbench").resolve("big");
    out.add(timed(t, "4 KiB random reads (cold)", "reads/s", s.random, () -> {
      Random r = new Random(1);
      ByteBuffer buf = ByteBuffer.allocateDirect(4096);
      long blocks = (s.sizeMiB << 20) / 4096;
      try (FileChannel ch = FileChannel.open(big2)) {
        for (int i = 0; i < s.random; i++) {
          ch.read(buf.clear(), (long) (r.nextDouble() * blocks) * 4096);
        }
      }
    }));
    Path smallDir = Files.createDirectories(t.dir().resolve("fsbench").resolve("small"));
    byte[] small = new byte[4096];
    new Random(2).nextBytes(small);
    out.add(timed(t, "small files write (4 KiB)", "files/s", s.small, () -> {
      for (int i = 0; i < s.small; i++) {
        Files.write(smallDir.resolve("s" + i), small);
      }
    }));
    t.makeCold();
    Path smallDir2 = t.dir().resolve("fsbench").resolve("small");
    out.add(timed(t, "small files read (cold)", "files/s", s.small, () -> {
      for (int i = 0; i < s.small; i++) {
        if (Files.readAllBytes(smallDir2.resolve("s" + i)).length != small.length) {
          throw new IllegalStateException("short small file " + i);
        }
      }
    }));
    Path syncDir = Files.createDirectories(t.dir().resolve("fsbench").resolve("synced"));
    out.add(timed(t, "create+write 4 KiB+fsync", "files/s", s.fsync, () -> {
      for (int i = 0; i < s.fsync; i++) {
        try (FileChannel ch = FileChannel.open(syncDir.resolve("f" + i), StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE)) {
          ch.write(ByteBuffer.wrap(small));
          ch.force(true);
        }
      }
    }));
    deleteTree(t.dir().resolve("fsbench"));
    return out;
  }

  private static Result sequentialWrite(Target t, Path root, Settings s) throws Exception {
    byte[] chunk = new byte[1 << 20];
    new Random(3).nextBytes(chunk);
    return timed(t, "seq write " + s.sizeMiB + " MiB + fsync", "MiB/s", s.sizeMiB, () -> {
      try (FileChannel ch = FileChannel.open(root.resolve("big"), StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.allocateDirect(chunk.length);
        for (long i = 0; i < s.sizeMiB; i++) {
          chunk[0] = (byte) i; // distinct chunks, so content addressing cannot deduplicate them
          chunk[4096] = (byte) (i >> 8);
          buf.clear();
          buf.put(chunk).flip();
          while (buf.hasRemaining()) {
            ch.write(buf);
          }
        }
        ch.force(true);
      }
    });
  }

  interface Body {
    void run() throws Exception;
  }

  /** fs-core's metrics of the self-mounted clients: the store round trips of each phase. */
  static final com.codahale.metrics.MetricRegistry METRICS = new com.codahale.metrics.MetricRegistry();
  private static final String[] STORE_CALLS = {"get", "getAll", "scan", "revision", "commit"};

  private static Result timed(Target t, String phase, String unit, double work, Body body) throws Exception {
    long[] calls = storeCalls();
    long cpu = processCpuNanos();
    long start = System.nanoTime();
    body.run();
    double seconds = (System.nanoTime() - start) / 1e9;
    double cpuSeconds = (processCpuNanos() - cpu) / 1e9;
    Result r = new Result(phase, unit, work / seconds);
    // CPU of this JVM (the benchmark's thread and, self-mounted, the whole FUSE file system; user +
    // system) per unit of work: steadier than the rate on a loaded machine.
    System.out.printf("  %-8s %-34s %12s %s  (%.2f s, CPU %.2f s = %s per %s)%n", t.name(), phase, fmt(r.value()),
        unit, seconds, cpuSeconds, perUnit(cpuSeconds / work), unit.substring(0, unit.indexOf('/')));
    long[] after = storeCalls();
    if (t instanceof SelfMount && after[after.length - 1] > 0) {
      StringBuilder b = new StringBuilder("           store round trips per " + unit.substring(0, unit.indexOf('/')) + ":");
      for (int i = 0; i < STORE_CALLS.length; i++) {
        b.append(String.format(" %s %.2f", STORE_CALLS[i], (after[i] - calls[i]) / work));
      }
      System.out.println(b);
    }
    return r;
  }

  private static long[] storeCalls() {
    long[] out = new long[STORE_CALLS.length + 1];
    for (int i = 0; i < STORE_CALLS.length; i++) {
      out[i] = METRICS.timer("quorumfs.fs.store." + STORE_CALLS[i]).getCount();
      out[STORE_CALLS.length] += out[i];
    }
    return out;
  }

  private static String perUnit(double seconds) {
    return seconds >= 1e-3 ? String.format("%.2f ms", seconds * 1e3) : String.format("%.1f us", seconds * 1e6);
  }

  private static long processCpuNanos() {
    java.lang.management.OperatingSystemMXBean os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean
        ? ((com.sun.management.OperatingSystemMXBean) os).getProcessCpuTime() : 0;
  }

  static void dropKernelCaches() {
    try {
      new ProcessBuilder("sync").inheritIO().start().waitFor();
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
    } catch (IOException e) {
      System.out.println("  (cannot drop the page cache: " + e.getMessage() + "; cold phases run warm)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(p)) {
        for (Path c : ds) {
          deleteTree(c);
        }
      }
    }
    Files.delete(p);
  }

  private static Settings parse(String[] args) {
    Settings s = new Settings();
    for (int i = 0; i < args.length; i++) {
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--size-mib": s.sizeMiB = Long.parseLong(v); i++; break;
        case "--files": s.files = Integer.parseInt(v); i++; break;
        case "--small": s.small = Integer.parseInt(v); i++; break;
        case "--fsync": s.fsync = Integer.parseInt(v); i++; break;
        case "--random": s.random = Integer.parseInt(v); i++; break;
        case "--listings": s.listings = Integer.parseInt(v); i++; break;
        case "--native": s.nativeDir = Path.of(v); i++; break;
        case "--target": s.target = Path.of(v); i++; break;
        case "--meta": s.meta = v; i++; break;
        case "--blobs": s.blobs = Path.of(v); i++; break;
        case "--cluster": s.cluster = true; break;
        default: throw new IllegalArgumentException("unknown argument " + args[i]
            + "; see the FsBench Javadoc for the options");
      }
    }
    if (s.nativeDir == null) {
      s.nativeDir = Path.of(System.getProperty("java.io.tmpdir"), "fsbench");
    }
    return s;
  }

  /** An existing directory (a native one, or a quorumfs mount made elsewhere). */
  static final class ExistingDir implements Target {
    private final String name;
    private final Path dir;

    ExistingDir(String name, Path dir) {
      this.name = name;
      this.dir = dir;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public Path dir() {
      return dir;
    }

    @Override
    public void makeCold() {
      dropKernelCaches();
    }
  }
}
