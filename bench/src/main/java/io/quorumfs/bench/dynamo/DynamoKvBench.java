package io.quorumfs.bench.dynamo;

import com.amazonaws.services.dynamodbv2.local.main.ServerRunner;
import com.amazonaws.services.dynamodbv2.local.server.DynamoDBProxyServer;
import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
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
 * dynamodb:// against DynamoDB Local started in the benchmark JVM: get, put, commit (2 compares +
 * 3 writes), and a 1,000-key scan. Run with {@code -t 1} and {@code -t 16}. DynamoDB Local is not
 * a performance reference (SQLite underneath, one JVM with the client): these figures compare
 * code paths, not DynamoDB. {@code -Dquorumfs.bench.dynamo=dynamodb://TABLE?region=...&create=true}
 * runs against a real table instead (the benchmark writes keys under "scan/" and "t*&#47;").
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
// DynamoDB Local leaves a non-daemon thread behind after stop(): let the fork exit after 2 s, not 30
@Fork(value = 2, jvmArgsAppend = {"-Xmx1g", "-Djmh.shutdownTimeout=2", "-Djmh.shutdownTimeout.step=1"})
@Warmup(iterations = 3, time = 5)
@Measurement(iterations = 3, time = 5)
public class DynamoKvBench {

  private static final int KEYS = 1000;
  private static final byte[] VALUE = new byte[100];

  /** The server and store, shared by every benchmark thread. */
  @State(Scope.Benchmark)
  public static class Shared {
    DynamoDBProxyServer server;
    KvStore store;
    final AtomicInteger threads = new AtomicInteger();

    @Setup(Level.Trial)
    public void start() throws Exception {
      String external = System.getProperty("quorumfs.bench.dynamo");
      store = external != null ? KvStores.open(external) : KvStores.open(startLocal());
      for (int i = 0; i < KEYS; i += 90) {
        Txn.Builder b = Txn.builder();
        for (int j = i; j < Math.min(KEYS, i + 90); j++) {
          b.put(scanKey(j), VALUE);
        }
        store.commit(b.build());
      }
    }

    private String startLocal() throws Exception {
      int port;
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        port = s.getLocalPort();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      server = ServerRunner.createServerFromCommandLineArgs(
          new String[] {"-inMemory", "-disableTelemetry", "-port", Integer.toString(port)});
      server.start();
      return "dynamodb://bench?region=us-east-1&endpoint=http://127.0.0.1:" + port
          + "&accessKey=dummy&secretKey=dummy&create=true&timeoutMs=60000";
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
      store.close();
      if (server != null) {
        server.stop();
      }
    }
  }

  /** Per-thread keys, so commits of different threads never fail each other's compares. */
  @State(Scope.Thread)
  public static class Mine {
    byte[] a;
    byte[] b;
    byte[] c;
    long va;
    long vb;
    int n;

    @Setup(Level.Trial)
    public void init(Shared s) {
      int id = s.threads.incrementAndGet();
      a = Bytes.utf8("t" + id + "/a");
      b = Bytes.utf8("t" + id + "/b");
      c = Bytes.utf8("t" + id + "/c");
      CommitResult r = s.store.commit(Txn.builder().put(a, VALUE).put(b, VALUE).build());
      va = r.revision();
      vb = r.revision();
    }
  }

  static byte[] scanKey(int i) {
    return Bytes.utf8(String.format("scan/%05d", i));
  }

  @Benchmark
  public Versioned get(Shared s) {
    return s.store.get(scanKey(ThreadLocalRandom.current().nextInt(KEYS)));
  }

  @Benchmark
  public CommitResult put(Shared s, Mine m) {
    return s.store.commit(Txn.builder().put(m.c, VALUE).build());
  }

  @Benchmark
  public CommitResult commit(Shared s, Mine m) {
    CommitResult r = s.store.commit(Txn.builder().requireVersion(m.a, m.va).requireVersion(m.b, m.vb)
        .put(m.a, VALUE).put(m.b, VALUE).put(m.c, Bytes.ofLong(m.n++)).build());
    if (!r.ok()) {
      throw new IllegalStateException("own keys conflicted: " + r.failed());
    }
    m.va = r.revision();
    m.vb = r.revision();
    return r;
  }

  @Benchmark
  public ScanPage scan1000(Shared s) {
    ScanPage p = s.store.scan(KeyRange.prefix(Bytes.utf8("scan/")), KEYS, null);
    if (p.entries().size() != KEYS) {
      throw new IllegalStateException("scan returned " + p.entries().size());
    }
    return p;
  }
}
