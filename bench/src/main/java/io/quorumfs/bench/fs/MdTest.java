package io.quorumfs.bench.fs;

import io.quorumfs.fs.Attr;
import io.quorumfs.fs.DirPage;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * An mdtest-like metadata load generator on fs-core directly (no FUSE): N files created, stat'ed
 * (warm cache), listed, renamed and unlinked, by T threads, either all in one directory or spread
 * over one directory per thread ("tree"). Prints one line per phase with ops/s.
 *
 * <pre>
 * java -cp ... io.quorumfs.bench.fs.MdTest --store mem: --files 20000 --threads 1,16 --layout dir,tree
 * </pre>
 */
public final class MdTest {

  private MdTest() {}

  public static void main(String[] args) throws Exception {
    String uri = "mem:";
    int files = 20_000;
    String threadList = "1,16";
    String layouts = "dir,tree";
    int statRounds = 5;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--store": uri = args[++i]; break;
        case "--files": files = Integer.parseInt(args[++i]); break;
        case "--threads": threadList = args[++i]; break;
        case "--layout": layouts = args[++i]; break;
        case "--stat-rounds": statRounds = Integer.parseInt(args[++i]); break;
        default: throw new IllegalArgumentException("unknown option " + args[i]
            + " (known: --store URI --files N --threads 1,16 --layout dir,tree --stat-rounds R)");
      }
    }
    System.out.printf("# MdTest store=%s files=%d java=%s cpus=%d%n", uri, files,
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
    System.out.printf("%-6s %-4s %3s %10s %12s%n", "layout", "", "thr", "phase", "ops/s");
    int run = 0;
    try (KvStore store = KvStores.open(uri)) {
      awaitReady(store);
      for (String layout : layouts.split(",")) {
        for (String t : threadList.split(",")) {
          FsConfig cfg = FsConfig.builder().keyPrefix("md" + (run++) + "/").build();
          try (FileSystem fs = FileSystems.open(store, cfg)) {
            new Run(fs, files, Integer.parseInt(t), layout.equals("tree"), statRounds).go(layout);
          }
        }
      }
    }
  }

  /** A fresh cluster may not have a leader yet: retry a read for up to a minute. */
  private static void awaitReady(KvStore store) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
    while (true) {
      try {
        store.get("mdtest-ready".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return;
      } catch (io.quorumfs.kv.KvException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(500);
      }
    }
  }

  private static final class Run {
    final FileSystem fs;
    final int files;
    final int threads;
    final boolean tree;
    final int statRounds;
    final long[] dirs;

    Run(FileSystem fs, int files, int threads, boolean tree, int statRounds) {
      this.fs = fs;
      this.files = files;
      this.threads = threads;
      this.tree = tree;
      this.statRounds = statRounds;
      this.dirs = new long[threads];
    }

    interface Op {
      void apply(int thread, int i) throws Exception;
    }

    void go(String layout) throws Exception {
      Attr top = fs.mkdir(FileSystem.ROOT, "top", 0755, 0, 0);
      for (int t = 0; t < threads; t++) {
        dirs[t] = tree ? fs.mkdir(top.ino(), "d" + t, 0755, 0, 0).ino() : top.ino();
      }
      int per = files / threads;
      long[][] inos = new long[threads][per];
      report(layout, "create", per * threads, phase(per, (t, i) ->
          inos[t][i] = fs.mknod(dirs[t], "f" + t + "." + i, 0644, 0, 0, 0).ino()));
      report(layout, "stat", (long) per * threads * statRounds, phase(per, (t, i) -> {
        for (int r = 0; r < statRounds; r++) {
          fs.getattr(fs.lookup(dirs[t], "f" + t + "." + i).ino());
        }
      }));
      int listings = Math.max(1, 20 / (tree ? 1 : threads));
      long entries = readdirAll(listings);
      report(layout, "readdir*", entries, lastNanos);
      report(layout, "rename", per * threads, phase(per, (t, i) ->
          fs.rename(dirs[t], "f" + t + "." + i, dirs[t], "g" + t + "." + i, 0)));
      report(layout, "unlink", per * threads, phase(per, (t, i) ->
          fs.unlink(dirs[t], "g" + t + "." + i)));
    }

    long lastNanos;

    long readdirAll(int listings) throws Exception {
      long[] count = new long[threads];
      lastNanos = phase(listings, (t, i) -> {
        String after = null;
        while (true) {
          DirPage p = fs.readdir(dirs[t], after, 1000);
          count[t] += p.entries().size();
          if (!p.more() || p.entries().isEmpty()) {
            break;
          }
          after = p.next();
        }
      });
      long n = 0;
      for (long c : count) {
        n += c;
      }
      return n;
    }

    long phase(int per, Op op) throws Exception {
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      long start = System.nanoTime();
      try {
        List<Future<?>> fut = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          int tt = t;
          fut.add(pool.submit(() -> {
            for (int i = 0; i < per; i++) {
              op.apply(tt, i);
            }
            return null;
          }));
        }
        for (Future<?> f : fut) {
          f.get();
        }
      } finally {
        pool.shutdown();
        pool.awaitTermination(1, TimeUnit.MINUTES);
      }
      return System.nanoTime() - start;
    }

    void report(String layout, String phase, long ops, long nanos) {
      System.out.printf(Locale.ROOT, "%-6s %-4s %3d %10s %12.0f%n", layout, "", threads, phase,
          ops / (nanos / 1e9));
    }
  }
}
