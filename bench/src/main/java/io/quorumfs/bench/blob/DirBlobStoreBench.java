package io.quorumfs.bench.blob;

import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.DirBlobStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
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
 * {@code file://} put (new content each op: temp file, fsync, rename, directory fsync) and get
 * (read + verify) of 1 MiB blobs. ops/s = MiB/s. The directory is under
 * {@code -Dquorumfs.bench.dir} (default: a temp directory), removed afterwards.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 4, time = 3)
@Fork(value = 2, jvmArgsAppend = {"-Xmx1g"})
@State(Scope.Benchmark)
public class DirBlobStoreBench {
  static final int BLOB = 1 << 20;
  static final int READ_SET = 64;

  Path dir;
  BlobStore store;
  BlobId[] ids;
  final AtomicLong counter = new AtomicLong();
  byte[] template;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    String base = System.getProperty("quorumfs.bench.dir");
    dir = base == null ? Files.createTempDirectory("blob-bench") : Files.createTempDirectory(Path.of(base), "blob-bench");
    store = DirBlobStore.open(dir);
    template = new byte[BLOB];
    new Random(2).nextBytes(template);
    ids = new BlobId[READ_SET];
    for (int i = 0; i < READ_SET; i++) {
      ids[i] = store.put(unique(-1 - i));
    }
  }

  byte[] unique(long n) {
    byte[] b = template.clone();
    for (int i = 0; i < 8; i++) {
      b[i] = (byte) (n >>> (8 * i));
    }
    return b;
  }

  @TearDown(Level.Trial)
  public void tearDown() throws IOException {
    store.close();
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  public BlobId put1MiB() {
    return store.put(unique(counter.incrementAndGet()));
  }

  @Benchmark
  public byte[] get1MiB() {
    return store.get(ids[ThreadLocalRandom.current().nextInt(READ_SET)]);
  }
}
