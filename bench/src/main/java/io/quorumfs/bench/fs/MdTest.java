package io.quorumfs.bench.fs;

import com.codahale.metrics.MetricRegistry;
import io.quorumfs.fs.Attr;
import io.quorumfs.fs.DirPage;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
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
 * over one directory per thread ("tree"). Prints one line per phase with ops/s, the CPU time per op
 * of this JVM (and of the processes named by {@code --cpu-pids}, e.g. the replicas of a raft://
 * cluster, read from /proc), and per op: commits, retries and cache misses. An unreported
 * warm-up run ({@code --warmup} files, default 4000) goes first.
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
    String cpuPids = "";
    int warmup = 4000;
    int commitBatch = FsConfig.builder().build().commitBatch();
    int commitInflight = FsConfig.builder().build().commitInflight();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--store": uri = args[++i]; break;
        case "--files": files = Integer.parseInt(args[++i]); break;
        case "--threads": threadList = args[++i]; break;
        case "--layout": layouts = args[++i]; break;
        case "--stat-rounds": statRounds = Integer.parseInt(args[++i]); break;
        case "--cpu-pids": cpuPids = args[++i]; break;
        case "--warmup": warmup = Integer.parseInt(args[++i]); break;
        case "--commit-batch": commitBatch = Integer.parseInt(args[++i]); break;
        case "--commit-inflight": commitInflight = Integer.parseInt(args[++i]); break;
        default: throw new IllegalArgumentException("unknown option " + args[i]
            + " (known: --store URI --files N --threads 1,16 --layout dir,tree --stat-rounds R"
            + " --cpu-pids PID,PID --warmup FILES --commit-batch N --commit-inflight N)");
      }
    }
    System.out.printf("# MdTest store=%s files=%d java=%s cpus=%d%n", uri, files,
        System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
    List<Long> pids = new ArrayList<>();
    for (String p : cpuPids.split(",")) {
      if (!p.isBlank()) {
        pids.add(Long.parseLong(p.trim()));
      }
    }
    System.out.printf("%-6s %3s %9s %10s %9s %9s %8s %8s %8s %8s%n", "layout", "thr", "phase", "ops/s",
        "cpu-us/op", "other-us", "commits", "retries", "misses", "merged");
    int run = 0;
    // Fresh key prefixes per invocation, so runs can repeat on one store.
    String tag = "md" + Long.toString(System.currentTimeMillis(), 36);
    try (KvStore store = KvStores.open(uri)) {
      awaitReady(store);
      if (warmup > 0) {
        // One unreported run first: JIT, connections and the cluster warm up (the first measured
        // configuration was otherwise 2-4x slower than the same one run later).
        int most = 1;
        for (String t : threadList.split(",")) {
          most = Math.max(most, Integer.parseInt(t));
        }
        FsConfig cfg = FsConfig.builder().keyPrefix(tag + "w/").commitBatch(commitBatch)
            .commitInflight(commitInflight).build();
        try (FileSystem fs = FileSystems.open(store, cfg)) {
          Run w = new Run(fs, warmup, most, false, 2, new Probe(new MetricRegistry(), pids));
          w.quiet = true;
          w.go("dir");
        }
      }
      for (String layout : layouts.split(",")) {
        for (String t : threadList.split(",")) {
          MetricRegistry metrics = new MetricRegistry();
          FsConfig cfg = FsConfig.builder().keyPrefix(tag + (run++) + "/").metrics(metrics)
              .commitBatch(commitBatch).commitInflight(commitInflight).build();
          try (FileSystem fs = FileSystems.open(store, cfg)) {
            new Run(fs, files, Integer.parseInt(t), layout.equals("tree"), statRounds,
                new Probe(metrics, pids)).go(layout);
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

  /** CPU time (this JVM and other processes) and fs-core counters, sampled around a phase. */
  private static final class Probe {
    final MetricRegistry metrics;
    final List<Long> pids;
    final com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    long cpu;
    long other;
    long commits;
    long retries;
    long misses;
    long merged;

    Probe(MetricRegistry metrics, List<Long> pids) {
      this.metrics = metrics;
      this.pids = pids;
    }

    void start() {
      cpu = os.getProcessCpuTime();
      other = otherCpuNanos();
      commits = count("quorumfs.fs.txn.commits");
      retries = count("quorumfs.fs.txn.retries");
      misses = count("quorumfs.fs.cache.misses");
      merged = count("quorumfs.fs.txn.merged");
    }

    String line(long ops) {
      double n = Math.max(1, ops);
      return String.format(Locale.ROOT, "%9.1f %9.1f %8.2f %8.3f %8.3f %8.3f",
          (os.getProcessCpuTime() - cpu) / 1e3 / n,
          pids.isEmpty() ? 0.0 : (otherCpuNanos() - other) / 1e3 / n,
          (count("quorumfs.fs.txn.commits") - commits) / n,
          (count("quorumfs.fs.txn.retries") - retries) / n,
          (count("quorumfs.fs.cache.misses") - misses) / n,
          (count("quorumfs.fs.txn.merged") - merged) / n);
    }

    long count(String name) {
      return metrics.counter(name).getCount();
    }

    /** utime + stime of the other processes, from /proc/PID/stat (clock ticks of 10 ms). */
    long otherCpuNanos() {
      long ticks = 0;
      for (long pid : pids) {
        try {
          String st = Files.readString(Path.of("/proc/" + pid + "/stat"));
          String[] f = st.substring(st.lastIndexOf(')') + 2).split(" ");
          ticks += Long.parseLong(f[11]) + Long.parseLong(f[12]);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot read the CPU time of process " + pid, e);
        }
      }
      return ticks * 10_000_000L;
    }
  }

  private static final class Run {
    final FileSystem fs;
    final Probe probe;
    final int files;
    final int threads;
    final boolean tree;
    final int statRounds;
    final long[] dirs;
    boolean quiet;

    Run(FileSystem fs, int files, int threads, boolean tree, int statRounds, Probe probe) {
      this.fs = fs;
      this.probe = probe;
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
      probe.start();
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
      if (quiet) {
        return;
      }
      System.out.printf(Locale.ROOT, "%-6s %3d %9s %10.0f %s%n", layout, threads, phase,
          ops / (nanos / 1e9), probe.line(ops));
    }
  }
}
