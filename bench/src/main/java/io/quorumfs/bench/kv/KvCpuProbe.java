package io.quorumfs.bench.kv;

import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.MemKvStore;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.rocks.RocksKvStore;
import io.quorumfs.kv.rocks.RocksOptions;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import java.util.stream.Stream;

/**
 * The operations of {@link KvBench}, timed by the benchmark thread's CPU time as well as wall time.
 * On a machine shared with other busy processes, wall-clock throughput measures the share of a core
 * the benchmark got; ops per CPU-second estimates what one idle core does. Background threads
 * (RocksDB flushes and compactions) are not counted.
 * Usage: {@code KvCpuProbe [seconds per op] [backend filter] [op filter]} (filters are substrings).
 */
public final class KvCpuProbe {

  private KvCpuProbe() {}

  public static void main(String[] args) throws Exception {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 5;
    String backendFilter = args.length > 1 ? args[1] : "";
    opFilter = args.length > 2 ? args[2] : "";
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    for (String backend : new String[] {"mem", "rocks"}) {
      if (!backend.contains(backendFilter)) {
        continue;
      }
      Path dir = backend.equals("rocks") ? Files.createTempDirectory("kvprobe") : null;
      try (KvStore store = dir == null ? new MemKvStore() : RocksKvStore.open(dir, RocksOptions.defaults())) {
        byte[][] keys = new byte[KvBench.KEYS][];
        SplittableRandom random = new SplittableRandom(7);
        byte[] value = new byte[KvBench.VALUE_BYTES];
        random.nextBytes(value);
        for (int i = 0; i < KvBench.KEYS; i += 500) {
          Txn.Builder t = Txn.builder();
          for (int j = i; j < i + 500; j++) {
            keys[j] = KvBench.key(j);
            t.put(keys[j], value);
          }
          store.commit(t.build());
        }
        byte[] ca = KvBench.key(KvBench.KEYS + 1L);
        byte[] cb = KvBench.key(KvBench.KEYS + 2L);
        long va = store.commit(Txn.builder().put(ca, value).build()).revision();
        long vb = store.commit(Txn.builder().put(cb, value).build()).revision();
        int n = KvBench.KEYS;
        run(mx, backend, "get", seconds, i -> store.get(keys[random.nextInt(n)]));
        run(mx, backend, "put", seconds, i -> store.commit(Txn.builder().put(keys[random.nextInt(n)], value).build()));
        run(mx, backend, "commit2Compares3Writes", seconds, i -> {
          CommitResult r = store.commit(Txn.builder().requireVersion(ca, va).requireVersion(cb, vb)
              .put(keys[random.nextInt(n)], value).put(keys[random.nextInt(n)], value)
              .put(keys[random.nextInt(n)], value).build());
          if (!r.ok()) {
            throw new IllegalStateException("compares failed");
          }
        });
        run(mx, backend, "scan1000", seconds, i -> {
          if (store.scan(new KeyRange(keys[random.nextInt(n - 1000)], null), 1000, null).entries().size() != 1000) {
            throw new IllegalStateException("short scan");
          }
        });
      } finally {
        if (dir != null) {
          try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
          }
        }
      }
    }
  }

  private static String opFilter = "";

  private static void run(ThreadMXBean mx, String backend, String op, double seconds, IntConsumer body) {
    if (!op.contains(opFilter)) {
      return;
    }
    long warmEnd = System.nanoTime() + (long) (seconds * 0.5e9);
    for (int i = 0; System.nanoTime() < warmEnd; i++) {
      body.accept(i);
    }
    long ops = 0;
    long wall0 = System.nanoTime();
    long cpu0 = mx.getCurrentThreadCpuTime();
    long end = wall0 + (long) (seconds * 1e9);
    while (System.nanoTime() < end) {
      for (int i = 0; i < 64; i++) {
        body.accept(i);
      }
      ops += 64;
    }
    double wall = (System.nanoTime() - wall0) / 1e9;
    double cpu = (mx.getCurrentThreadCpuTime() - cpu0) / 1e9;
    System.out.printf("%-6s %-24s %12.0f ops/s wall %12.0f ops/cpu-s  (cpu share %.2f)%n",
        backend, op, ops / wall, ops / cpu, cpu / wall);
  }
}
