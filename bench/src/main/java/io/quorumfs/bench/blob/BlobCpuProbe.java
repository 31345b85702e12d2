package io.quorumfs.bench.blob;

import com.sun.management.OperatingSystemMXBean;
import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobServer;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.BlobStores;
import io.quorumfs.blob.Chunker;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * CPU cost per MiB of the paths the JMH benchmarks time, for a machine too loaded for wall-clock
 * figures: CPU time is what the work costs when it has a core. Chunk+hash: thread CPU time of one
 * thread; blob server: process CPU time (server and 4 clients in this JVM) per MiB moved, so
 * {@code cores * MiB per CPU-second} bounds the loopback throughput on an idle machine.
 * Usage: {@code java -cp ... io.quorumfs.bench.blob.BlobCpuProbe [rocks|file|mem]}.
 */
public final class BlobCpuProbe {
  private BlobCpuProbe() {}

  public static void main(String[] args) throws Exception {
    String backend = args.length > 0 ? args[0] : "rocks";
    chunkAndHash();
    server(backend);
  }

  static void chunkAndHash() {
    ThreadMXBean t = ManagementFactory.getThreadMXBean();
    byte[] data = new byte[64 << 20];
    new Random(1).nextBytes(data);
    Chunker c = Chunker.defaults();
    double bestCut = 0;
    double bestSha = 0;
    double bestAll = 0;
    for (int r = 0; r < 12; r++) {
      long c0 = t.getCurrentThreadCpuTime();
      int off = 0;
      while (off < data.length) {
        off += c.cut(data, off, data.length - off);
      }
      long c1 = t.getCurrentThreadCpuTime();
      BlobId.of(data);
      long c2 = t.getCurrentThreadCpuTime();
      AtomicLong n = new AtomicLong();
      try (Chunker.Stream s = c.stream(ch -> n.addAndGet(BlobId.of(ch).hash()[0]))) {
        s.write(data, 0, data.length);
      }
      long c3 = t.getCurrentThreadCpuTime();
      bestCut = Math.max(bestCut, 64 / ((c1 - c0) / 1e9));
      bestSha = Math.max(bestSha, 64 / ((c2 - c1) / 1e9));
      bestAll = Math.max(bestAll, 64 / ((c3 - c2) / 1e9));
    }
    System.out.printf("chunk+hash, MiB per thread-CPU-second (best of 12): cut points %.0f, sha256 %.0f, stream chunk+hash %.0f%n",
        bestCut, bestSha, bestAll);
  }

  static void server(String backend) throws Exception {
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    Path dir = Files.createTempDirectory("blob-cpu-probe");
    String uri = backend.equals("mem") ? "mem:" : backend.equals("file")
        ? "file://" + dir.resolve("blobs") : "rocks://" + dir.resolve("db");
    try (BlobStore backing = BlobStores.open(uri);
        BlobServer server = BlobServer.builder(backing).listen(new InetSocketAddress("127.0.0.1", 0)).threads(8).start();
        BlobStore client = BlobStores.open(server.uri().toString())) {
      byte[] template = new byte[1 << 20];
      new Random(3).nextBytes(template);
      AtomicLong counter = new AtomicLong();
      int perThread = 64;
      List<BlobId> ids = new ArrayList<>();
      for (String phase : new String[] {"warm-up put", "put", "get"}) {
        ExecutorService pool = Executors.newFixedThreadPool(4);
        long cpu0 = os.getProcessCpuTime();
        long wall0 = System.nanoTime();
        List<Future<List<BlobId>>> fs = new ArrayList<>();
        for (int th = 0; th < 4; th++) {
          fs.add(pool.submit(() -> {
            List<BlobId> mine = new ArrayList<>();
            for (int i = 0; i < perThread; i++) {
              if (phase.equals("get")) {
                client.get(ids.get((int) (counter.incrementAndGet() % ids.size())));
              } else {
                byte[] b = template.clone();
                long n = counter.incrementAndGet();
                for (int k = 0; k < 8; k++) {
                  b[k] = (byte) (n >>> (8 * k));
                }
                mine.add(client.put(b));
              }
            }
            return mine;
          }));
        }
        List<BlobId> written = new ArrayList<>();
        for (Future<List<BlobId>> f : fs) {
          written.addAll(f.get());
        }
        pool.shutdown();
        double cpu = (os.getProcessCpuTime() - cpu0) / 1e9;
        double wall = (System.nanoTime() - wall0) / 1e9;
        int mib = 4 * perThread;
        if (!phase.startsWith("warm")) {
          System.out.printf("blob server over %s, 4 clients, %s of %d x 1 MiB: %.0f MiB/s wall, %.0f MiB per process-CPU-second%n",
              backend, phase, mib, mib / wall, mib / cpu);
        }
        ids.addAll(written);
      }
    } finally {
      try (var s = Files.walk(dir)) {
        s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }
}
