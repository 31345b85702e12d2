package io.quorumfs.bench.redis;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * redis:// against a local redis-server started in {@code @Setup}: get, put, a commit with 2
 * compares + 3 writes, and a 1,000-key scan. Run with {@code -t 1} and {@code -t 16}; see
 * docs/bench/kv-redis.md for the command and the figures. {@code -Dquorumfs.bench.redis=redis://...}
 * runs against an existing server instead.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(value = 2, jvmArgsAppend = {"-Xmx512m", "-Dlogback.configurationFile=io/quorumfs/bench/redis/logback-bench.xml"})
public class RedisKvBench {
  static final int KEYS = 10_000;
  static final int SCAN_KEYS = 1_000;

  /** One redis-server and one store shared by every benchmark thread. */
  @State(Scope.Benchmark)
  public static class Server {
    RedisServerProcess redis;
    KvStore store;
    byte[][] keys;
    byte[] value;

    @Setup(Level.Trial)
    public void setUp() throws Exception {
      String external = System.getProperty("quorumfs.bench.redis");
      if (external != null) {
        store = KvStores.open(external); // an existing server, e.g. redis://host:6379/0?prefix=bench
      } else {
        redis = RedisServerProcess.start();
        store = KvStores.open(redis.uri("bench"));
      }
      value = new byte[100];
      ThreadLocalRandom.current().nextBytes(value);
      keys = new byte[KEYS][];
      for (int i = 0; i < KEYS; i += 500) {
        Txn.Builder b = Txn.builder();
        for (int j = i; j < i + 500; j++) {
          keys[j] = Bytes.utf8(String.format("key/%08d", j));
          b.put(keys[j], value);
        }
        store.commit(b.build());
      }
      for (int i = 0; i < SCAN_KEYS; i += 500) {
        Txn.Builder b = Txn.builder();
        for (int j = i; j < i + 500; j++) {
          b.put(Bytes.utf8(String.format("scan/%06d", j)), value);
        }
        store.commit(b.build());
      }
    }

    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
      store.close();
      if (redis != null) {
        redis.close();
      }
    }
  }

  /** Per-thread keys for the commit benchmark, so its compares always hold (no conflicts). */
  @State(Scope.Thread)
  public static class Writer {
    private static final AtomicInteger IDS = new AtomicInteger();
    byte[] a;
    byte[] b;
    byte[] c;
    long va;
    long vb;

    @Setup(Level.Iteration)
    public void setUp(Server s) {
      if (a == null) {
        int id = IDS.incrementAndGet();
        a = Bytes.utf8("w/" + id + "/a");
        b = Bytes.utf8("w/" + id + "/b");
        c = Bytes.utf8("w/" + id + "/c");
      }
      va = s.store.get(a).version();
      vb = s.store.get(b).version();
    }
  }

  @Benchmark
  public Versioned get(Server s) {
    return s.store.get(s.keys[ThreadLocalRandom.current().nextInt(KEYS)]);
  }

  @Benchmark
  public CommitResult put(Server s) {
    return s.store.commit(Txn.builder().put(s.keys[ThreadLocalRandom.current().nextInt(KEYS)], s.value).build());
  }

  @Benchmark
  public CommitResult commit2Compares3Writes(Server s, Writer w) {
    CommitResult r = s.store.commit(Txn.builder()
        .requireVersion(w.a, w.va)
        .requireVersion(w.b, w.vb)
        .put(w.a, s.value)
        .put(w.b, s.value)
        .put(w.c, s.value)
        .build());
    if (!r.ok()) {
      throw new IllegalStateException("unexpected conflict: " + r.failed());
    }
    w.va = r.revision();
    w.vb = r.revision();
    return r;
  }

  @Benchmark
  public ScanPage scan1000(Server s) {
    ScanPage p = s.store.scan(KeyRange.prefix(Bytes.utf8("scan/")), SCAN_KEYS, null);
    if (p.entries().size() != SCAN_KEYS) {
      throw new IllegalStateException("scan returned " + p.entries().size());
    }
    return p;
  }
}
