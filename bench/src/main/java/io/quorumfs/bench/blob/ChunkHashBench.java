package io.quorumfs.bench.blob;

import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.Chunker;
import java.security.MessageDigest;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Single-thread cost of turning file data into blobs: content-defined cut points alone, SHA-256
 * alone, and the whole path fs-core takes (streaming chunker, which copies each chunk, then the
 * id of each chunk). One op = 64 MiB of random data; MiB/s = 64 / (seconds per op).
 * Run once more with {@code -jvmArgsAppend -XX:-UseSHA256Intrinsics} to see what the CPU's SHA
 * extensions are worth.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(value = 2, jvmArgsAppend = {"-Xmx1g"})
@State(Scope.Benchmark)
public class ChunkHashBench {
  static final int SIZE = 64 << 20;
  byte[] data;

  @Setup
  public void setUp() {
    data = new byte[SIZE];
    new Random(1).nextBytes(data);
  }

  @Benchmark
  public int cutPointsOnly() {
    Chunker c = Chunker.defaults();
    int n = 0;
    int off = 0;
    while (off < data.length) {
      off += c.cut(data, off, data.length - off);
      n++;
    }
    return n;
  }

  @Benchmark
  public byte[] sha256Only() throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    md.update(data);
    return md.digest();
  }

  @Benchmark
  public void chunkAndHash(Blackhole bh) {
    try (Chunker.Stream s = Chunker.defaults().stream(chunk -> bh.consume(BlobId.of(chunk)))) {
      s.write(data, 0, data.length);
    }
  }
}
