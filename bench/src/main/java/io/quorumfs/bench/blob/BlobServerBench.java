package io.quorumfs.bench.blob;

import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobServer;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.BlobStores;
import java.io.IOException;
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
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The blob server over loopback, 4 client threads sharing one {@code http://} client: put of new
 * 1 MiB blobs (the server hashes and stores each) and get of 1 MiB blobs (verified on the server
 * and again on the client). Server and clients run in the benchmark JVM. ops/s = MiB/s.
 * {@code backend}: what the server stores into (rocks = KvBlobStore over rocks://, file =
 * DirBlobStore). (mem: would hold every blob put in the heap.)
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 3)
@Measurement(iterations = 4, time = 3)
@Fork(value = 2, jvmArgsAppend = {"-Xmx1g"})
@Threads(4)
@State(Scope.Benchmark)
public class BlobServerBench {
  static final int BLOB = 1 << 20;
  static final int READ_SET = 64;

  @Param({"rocks", "file"})
  public String backend;

  Path dir;
  BlobStore backing;
  BlobServer server;
  BlobStore client;
  BlobId[] ids;
  byte[] template;
  final AtomicLong counter = new AtomicLong();

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    dir = Files.createTempDirectory("blob-server-bench");
    switch (backend) {
      case "rocks":
        backing = BlobStores.open("rocks://" + dir.resolve("db").toAbsolutePath());
        break;
      case "file":
        backing = BlobStores.open("file://" + dir.resolve("blobs").toAbsolutePath());
        break;
      default:
        backing = BlobStores.open("mem:");
        break;
    }
    server = BlobServer.builder(backing).listen(new InetSocketAddress("127.0.0.1", 0)).threads(8).start();
    client = BlobStores.open(server.uri().toString());
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
  public void tearDown() throws IOException {
    client.close();
    server.close();
    backing.close();
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
