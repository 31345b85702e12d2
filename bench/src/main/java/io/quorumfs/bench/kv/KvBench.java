package io.quorumfs.bench.kv;

import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.MemKvStore;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import io.quorumfs.kv.rocks.RocksKvStore;
import io.quorumfs.kv.rocks.RocksOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Single-threaded KvStore throughput on mem: and rocks:// (WAL on, no fsync per commit): get, put,
 * a commit with 2 compares + 3 writes, and a 1,000-key scan, over 100,000 preloaded keys of 16 bytes
 * with 100-byte values. Run: see docs/bench/kv.md.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Threads(1)
@Fork(value = 2, jvmArgsAppend = {"-Xmx1g", "-XX:+UseG1GC"})
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
public class KvBench {

  static final int KEYS = 100_000;
  static final int VALUE_BYTES = 100;

  @Param({"mem", "rocks"})
  public String backend;

  private KvStore store;
  private Path dir;
  private byte[][] keys;
  private byte[] value;
  private byte[] compareA;
  private byte[] compareB;
  private long versionA;
  private long versionB;
  private final SplittableRandom random = new SplittableRandom(42);

  /** A 16-byte key: "kv-bench" + the big-endian index. */
  static byte[] key(long i) {
    byte[] k = new byte[16];
    System.arraycopy("kv-bench".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, k, 0, 8);
    for (int b = 15; b >= 8; b--) {
      k[b] = (byte) i;
      i >>>= 8;
    }
    return k;
  }

  @Setup(Level.Trial)
  public void open() throws IOException {
    if (backend.equals("mem")) {
      store = new MemKvStore();
    } else {
      dir = Files.createTempDirectory("kvbench-rocks");
      store = RocksKvStore.open(dir, RocksOptions.defaults());
    }
    keys = new byte[KEYS][];
    value = new byte[VALUE_BYTES];
    random.nextBytes(value);
    for (int i = 0; i < KEYS; i += 500) {
      Txn.Builder t = Txn.builder();
      for (int j = i; j < i + 500; j++) {
        keys[j] = key(j);
        t.put(keys[j], value);
      }
      store.commit(t.build());
    }
    compareA = key(KEYS + 1L);
    compareB = key(KEYS + 2L);
    versionA = store.commit(Txn.builder().put(compareA, value).build()).revision();
    versionB = store.commit(Txn.builder().put(compareB, value).build()).revision();
  }

  @TearDown(Level.Trial)
  public void close() throws IOException {
    store.close();
    if (dir != null) {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private byte[] randomKey() {
    return keys[random.nextInt(KEYS)];
  }

  @Benchmark
  public Versioned get() {
    return store.get(randomKey());
  }

  @Benchmark
  public CommitResult put() {
    return store.commit(Txn.builder().put(randomKey(), value).build());
  }

  /** 2 compares (on keys the benchmark never writes, so they hold) + 3 puts. */
  @Benchmark
  public CommitResult commit2Compares3Writes() {
    CommitResult r = store.commit(Txn.builder()
        .requireVersion(compareA, versionA).requireVersion(compareB, versionB)
        .put(randomKey(), value).put(randomKey(), value).put(randomKey(), value).build());
    if (!r.ok()) {
      throw new IllegalStateException("benchmark compares failed: " + r.failed());
    }
    return r;
  }

  @Benchmark
  public ScanPage scan1000() {
    byte[] start = keys[random.nextInt(KEYS - 1000)];
    ScanPage p = store.scan(new KeyRange(start, null), 1000, null);
    if (p.entries().size() != 1000) {
      throw new IllegalStateException("scan returned " + p.entries().size());
    }
    return p;
  }
}
