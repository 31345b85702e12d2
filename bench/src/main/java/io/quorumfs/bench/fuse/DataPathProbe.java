package io.quorumfs.bench.fuse;

import io.quorumfs.blob.DirBlobStore;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.kv.MemKvStore;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;

/**
 * fsbench's sequential write (+ fsync) and cold sequential read, on fs-core called directly (no
 * FUSE): mem: metadata, a directory blob store, 128 KiB requests as the kernel sends them. Prints
 * wall time and CPU per MiB split by thread group (the caller, the upload pool, the read-ahead
 * pool), so the fs-core + blob share of fsbench's figures can be told from the FUSE share.
 *
 * <pre>
 * java ... io.quorumfs.bench.fuse.DataPathProbe [--size-mib 512] [--dir /var/tmp/fsbench] [--rounds 3]
 *     [--read-ahead N]
 * </pre>
 * Run as root to drop the page cache before each read (otherwise the read is only fs-core-cold).
 */
public final class DataPathProbe {
  private DataPathProbe() {}

  private static final int REQ = 128 * 1024;

  public static void main(String[] args) throws Exception {
    long mib = 512;
    Path base = Path.of("/var/tmp/fsbench");
    int rounds = 3;
    Integer readAhead = null;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--size-mib" -> mib = Long.parseLong(args[++i]);
        case "--dir" -> base = Path.of(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--read-ahead" -> readAhead = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    Files.createDirectories(base);
    Path blobDir = Files.createTempDirectory(base, "probe-blobs-");
    FsConfig.Builder cb = FsConfig.defaults().toBuilder();
    if (readAhead != null) {
      cb.readAheadChunks(readAhead);
    }
    FsConfig cfg = cb.build();
    byte[] src = new byte[REQ * 8];
    new Random(7).nextBytes(src);
    try (MemKvStore meta = new MemKvStore()) {
      for (int r = 0; r < rounds; r++) {
        long ino;
        String name = "seq-" + r;
        Sample w = Sample.start();
        try (DirBlobStore blobs = DirBlobStore.open(blobDir); FileSystem fs = FileSystems.open(meta, blobs, cfg)) {
          w = Sample.start();
          var o = fs.create(FileSystem.ROOT, name, 0644, 0, 0, FileSystem.O_WRONLY);
          ino = o.attr().ino();
          long total = mib << 20;
          for (long off = 0; off < total; off += REQ) {
            // Vary the content per request so no chunk dedups against another.
            src[(int) ((off / REQ) % 8) * REQ + 1] = (byte) r;
            src[(int) ((off / REQ) % 8) * REQ] ^= (byte) (off >>> 17);
            fs.write(o.fh(), off, src, (int) ((off / REQ) % 8) * REQ, REQ);
          }
          fs.fsync(o.fh(), false);
          fs.release(o.fh());
          w.print("write " + mib + " MiB + fsync", mib);
        }
        FsBench.dropKernelCaches();
        try (DirBlobStore blobs = DirBlobStore.open(blobDir); FileSystem fs = FileSystems.open(meta, blobs, cfg)) {
          Sample rd = Sample.start();
          long fh = fs.open(ino, FileSystem.O_RDONLY);
          byte[] dst = new byte[REQ];
          long off = 0;
          int n;
          while ((n = fs.read(fh, off, dst, 0, REQ)) > 0) {
            off += n;
          }
          fs.release(fh);
          rd.print("cold read " + (off >> 20) + " MiB", off / (double) (1 << 20));
        }
      }
    } finally {
      FsBench.deleteTree(blobDir);
    }
  }

  /** Wall clock and per-thread-group CPU since {@link #start}. */
  private record Sample(long wall, Map<String, Long> cpu) {
    static Sample start() {
      return new Sample(System.nanoTime(), cpuByGroup());
    }

    void print(String what, double mib) {
      double secs = (System.nanoTime() - wall) / 1e9;
      Map<String, Long> now = cpuByGroup();
      StringBuilder b = new StringBuilder();
      long all = 0;
      for (var e : now.entrySet()) {
        long d = e.getValue() - cpu.getOrDefault(e.getKey(), 0L);
        if (d > 5_000_000L) {
          b.append(String.format(" %s %.2f", e.getKey(), d / 1e6 / mib));
        }
        all += d;
      }
      System.out.printf("%-26s %7.1f MiB/s  (%.2f s)  CPU ms/MiB: all %.2f |%s%n", what, mib / secs, secs,
          all / 1e6 / mib, b);
    }

    static Map<String, Long> cpuByGroup() {
      ThreadMXBean tm = ManagementFactory.getThreadMXBean();
      Map<String, Long> out = new TreeMap<>();
      for (var info : tm.getThreadInfo(tm.getAllThreadIds())) {
        if (info == null) {
          continue;
        }
        long t = tm.getThreadCpuTime(info.getThreadId());
        if (t > 0) {
          out.merge(info.getThreadName().replaceAll("[-#]?\\d+$", ""), t, Long::sum);
        }
      }
      return out;
    }
  }
}
