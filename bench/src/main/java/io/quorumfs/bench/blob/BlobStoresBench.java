package io.quorumfs.bench.blob;

import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobServer;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.BlobStores;
import io.quorumfs.blob.s3.S3ProxyServer;
import java.net.InetSocketAddress;
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
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * put (new content each op) and get (read + verify) of 1 MiB blobs through {@link BlobStores#open}
 * on the three remote-capable stores, servers in the benchmark JVM on loopback: {@code s3} =
 * s3:// to S3Proxy 2.6.0 over its filesystem-nio2 backend (no fsync), {@code file} = file://
 * (fsync per put), {@code http} = the blob server over a directory. Threads with JMH's
 * {@code -t 1} / {@code -t 8}. ops/s = MiB/s.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 1, time = 3)
@Measurement(iterations = 3, time = 3)
@Fork(value = 1, jvmArgsAppend = {"-Xmx1g"})
@State(Scope.Benchmark)
public class BlobStoresBench {
  static final int BLOB = 1 << 20;
  static final int READ_SET = 64;

  @Param({"s3", "file", "http"})
  public String store;

  Path dir;
  S3ProxyServer s3;
  BlobStore backing;
  BlobServer server;
  BlobStore client;
  BlobId[] ids;
  byte[] template;
  final AtomicLong counter = new AtomicLong();

  @Setup(Level.Trial)
  public void setUp() throws Exception {
    String base = System.getProperty("quorumfs.bench.dir");
    dir = base == null ? Files.createTempDirectory("blob-stores-bench")
        : Files.createTempDirectory(Path.of(base), "blob-stores-bench");
    switch (store) {
      case "s3" -> {
        s3 = S3ProxyServer.onDisk(Files.createDirectories(dir.resolve("s3")), 0);
        s3.createBucket("bench");
        client = BlobStores.open(s3.uri("bench", "vol").replace("retries=2", "retries=3").replace("timeout=20",
            "timeout=60") + "&threads=16");
      }
      case "file" -> client = BlobStores.open("file://" + dir.resolve("blobs").toAbsolutePath());
      case "http" -> {
        backing = BlobStores.open("file://" + dir.resolve("blobs").toAbsolutePath());
        server = BlobServer.builder(backing).listen(new InetSocketAddress("127.0.0.1", 0)).threads(8).start();
        client = BlobStores.open(server.uri().toString());
      }
      default -> throw new IllegalArgumentException("store: s3, file or http, not " + store);
    }
    template = new byte[BLOB];
    new Random(3).nextBytes(template);
    ids = new BlobId[READ_SET];
    for (int i = 0; i < READ_SET; i++) {
      ids[i] = client.put(unique(-1 - i));
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
  public void tearDown() throws Exception {
    client.close();
    if (server != null) {
      server.close();
      backing.close();
    }
    if (s3 != null) {
      s3.close();
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Benchmark
  public BlobId put1MiB() {
    return client.put(unique(counter.incrementAndGet()));
  }

  @Benchmark
  public byte[] get1MiB() {
    return client.get(ids[ThreadLocalRandom.current().nextInt(READ_SET)]);
  }
}
