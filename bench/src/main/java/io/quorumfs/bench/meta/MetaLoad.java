package io.quorumfs.bench.meta;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import io.quorumfs.meta.MetaStatus;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Load generator for the metadata quorum: starts 3 replica JVMs on loopback (MetaServerMain,
 * rocks stores, Ratis log fsync on by default), then measures single-key commits at 1/16/64
 * committers (throughput, p50/p99), linearizable reads/s, watch delivery latency (commit
 * acknowledged to subscriber), and the time from SIGKILL of the leader to the next successful
 * commit. Run: {@code java -cp <bench classpath> io.quorumfs.bench.meta.MetaLoad [seconds-per-phase]
 * [extra raft:// parameters, e.g. inflight=16&batch=1024]}. System properties:
 * {@code -Dmetaload.phases=commits,reads,watch,leases,failover} (default all) picks phases; {@code
 * leases} measures a lone committer's latency with 0, 1, 4 and 16 other clients subscribed to the
 * feed, holding cache leases (each commit waits for all of them) and, for comparison, without;
 * {@code -Dmetaload.raft=key=value;key=value} passes raw {@code raft.*} settings to every replica
 * ({@code --raft}); {@code -Dmetaload.committers=1,16,64} picks the committer counts;
 * {@code -Dmetaload.warmup=20} is the warm-up (16 committers) in seconds;
 * {@code -Dmetaload.clients=1} spreads the committers over that many raft:// clients;
 * {@code -Dmetaload.ownlease=true} makes each of those clients hold a cache lease on its own feed
 * during the commit phases (as a FUSE client does);
 * {@code -Dmetaload.jvm='-XX:StartFlightRecording=filename=/tmp/{id}.jfr'} adds replica JVM
 * options (space-separated, {@code {id}} = the replica id); {@code -Dmetaload.server='--group-commit inflight=2'}
 * adds MetaServerMain arguments (space-separated).
 */
public final class MetaLoad {

  private static String LOG_CONFIG;

  private MetaLoad() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    Path root = Files.createTempDirectory("metaload");
    // Quiet logs (logback's default is DEBUG to the console), here and in the replicas.
    Path logConfig = root.resolve("logback.xml");
    Files.writeString(logConfig, "<configuration><appender name=\"O\" class=\"ch.qos.logback.core.ConsoleAppender\">"
        + "<encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n</pattern></encoder></appender>"
        + "<root level=\"WARN\"><appender-ref ref=\"O\"/></root></configuration>");
    System.setProperty("logback.configurationFile", logConfig.toString());
    LOG_CONFIG = logConfig.toString();
    Map<String, String> peers = new LinkedHashMap<>();
    for (int i = 1; i <= 3; i++) {
      try (ServerSocket s = new ServerSocket(0)) {
        peers.put("n" + i, "127.0.0.1:" + s.getLocalPort());
      }
    }
    StringBuilder spec = new StringBuilder();
    peers.forEach((id, a) -> spec.append(spec.length() == 0 ? "" : ",").append(id).append('=').append(a));
    Map<String, Process> procs = new LinkedHashMap<>();
    KvStore early = null;
    try {
      for (String id : peers.keySet()) {
        procs.put(id, startReplica(root, id, spec.toString()));
      }
      String extra = args.length > 1 ? "&" + args[1] : "";
      String uri = "raft://" + String.join(",", peers.values()) + "?timeout=30s" + extra;
      List<String> phases = List.of(System.getProperty("metaload.phases", "commits,reads,watch,leases,failover").split(","));
      // A client opened before the election (it finds no leader yet); its reads are measured too:
      // they must reach the leader once there is one, not a follower for the client's whole life.
      early = phases.contains("reads") ? KvStores.open(awaitReplica(uri)) : null;
      String leader = awaitLeader(uri);
      System.out.printf("cluster up, leader %s; %d s per phase%n", leader, seconds);
      try (KvStore store = KvStores.open(uri)) {
        // Warm-up: the replica JVMs JIT-compile the commit path first (a cold 1-committer phase
        // measured the compiler, not the path: ~3 ms of replica CPU per commit).
        // Committers are spread over this many raft:// clients (each its own client id/connection).
        List<KvStore> clients = new ArrayList<>(List.of(store));
        for (int i = 1; i < Integer.getInteger("metaload.clients", 1); i++) {
          clients.add(KvStores.open(uri));
        }
        commits(clients, 16, Integer.getInteger("metaload.warmup", 20));
        // Each committing client follows its own leased feed, as a FUSE client's cache does: its
        // commits then wait for (at least) the leader's rule on the committer's own lease.
        List<Watch> own = new ArrayList<>();
        if (Boolean.getBoolean("metaload.ownlease")) {
          for (KvStore c : clients) {
            own.add(c.watch(c.revision(), new WatchListener() {
              @Override
              public void onEvent(ChangeEvent event) {}

              @Override
              public void onResync(long revision) {}
            }));
          }
          long deadline = System.nanoTime() + 30_000_000_000L;
          while (!own.stream().allMatch(Watch::coherent) && System.nanoTime() < deadline) {
            Thread.sleep(20);
          }
          System.out.printf("committers hold leases on their own feeds: %s%n", own.stream().allMatch(Watch::coherent));
        }
        if (phases.contains("commits")) {
          for (String cs : System.getProperty("metaload.committers", "1,16,64").split(",")) {
            int c = Integer.parseInt(cs.trim());
            long cpu0 = cpuNanos(procs);
            Result r = commits(clients, c, seconds);
            double cpuPerOp = r.count == 0 ? 0 : (cpuNanos(procs) - cpu0) / 1e3 / r.count;
            System.out.printf("commits  committers=%-3d %8.0f/s  p50 %6.2f ms  p99 %6.2f ms  (%d ok, replica CPU %.0f us/commit, %.1f txns/entry)%n",
                c, r.perSecond, r.p50, r.p99, r.count, cpuPerOp, ENTRIES.isEmpty() ? 0.0 : (double) r.count / ENTRIES.size());
          }
        }
        clients.subList(1, clients.size()).forEach(KvStore::close);
        if (phases.contains("reads")) {
          long cpu0 = cpuNanos(procs);
          Result reads = reads(store, 16, seconds);
          System.out.printf("reads    readers=16      %8.0f/s  p50 %6.2f ms  p99 %6.2f ms  (replica CPU %.0f us/read)%n",
              reads.perSecond, reads.p50, reads.p99, (cpuNanos(procs) - cpu0) / 1e3 / Math.max(1, reads.count));
          cpu0 = cpuNanos(procs);
          Result earlyReads = reads(early, 16, seconds);
          System.out.printf("reads    readers=16      %8.0f/s  p50 %6.2f ms  p99 %6.2f ms  (replica CPU %.0f us/read;"
              + " client opened before the election)%n", earlyReads.perSecond, earlyReads.p50, earlyReads.p99,
              (cpuNanos(procs) - cpu0) / 1e3 / Math.max(1, earlyReads.count));
        }
        for (int c : phases.contains("watch") ? new int[] {16, 1} : new int[0]) {
          Result[] watch = watch(store, c, seconds);
          System.out.printf("watch    committers=%-3d delivery (ack -> subscriber)  p50 %6.2f ms  p99 %6.2f ms  (%d events)%n",
              c, watch[0].p50, watch[0].p99, watch[0].count);
          System.out.printf("watch    committers=%-3d delivery (commit call -> subscriber)  p50 %6.2f ms  p99 %6.2f ms%n",
              c, watch[1].p50, watch[1].p99);
        }
        if (phases.contains("leases")) {
          for (int subs : new int[] {0, 1, 4, 16}) {
            for (boolean leased : subs == 0 ? new boolean[] {true} : new boolean[] {false, true}) {
              Result r = withSubscribers(uri, subs, leased, () -> commits(List.of(store), 1, seconds));
              System.out.printf("leases   subscribers=%-3d %-8s lone commit p50 %6.2f ms  p99 %6.2f ms  (%.0f/s)%n",
                  subs, subs == 0 ? "" : leased ? "leased" : "plain", r.p50, r.p99, r.perSecond);
            }
          }
        }
        if (phases.contains("failover")) {
          Duration failover = failover(store, procs, uri);
          System.out.printf("failover SIGKILL leader -> next successful commit: %d ms%n", failover.toMillis());
        }
      }
    } finally {
      if (early != null) {
        early.close();
      }
      // SIGTERM first, so shutdown hooks run (a flight recording is written at exit).
      procs.values().forEach(Process::destroy);
      for (Process p : procs.values()) {
        if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
          p.destroyForcibly();
        }
      }
    }
  }

  private static Process startReplica(Path root, String id, String spec) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-XX:+UseG1GC",
        "-Dio.netty.tryReflectionSetAccessible=true", "-Dlogback.configurationFile=" + LOG_CONFIG));
    // Extra replica JVM options, e.g. a flight recording per replica ({id} = the replica id).
    for (String opt : System.getProperty("metaload.jvm", "").split(" ")) {
      if (!opt.isBlank()) {
        cmd.add(opt.replace("{id}", id));
      }
    }
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.quorumfs.meta.MetaServerMain",
        "--id", id, "--peers", spec, "--dir", root.resolve(id).toString()));
    // Extra MetaServerMain arguments, e.g. "--group-commit inflight=2".
    for (String arg : System.getProperty("metaload.server", "").split(" ")) {
      if (!arg.isBlank()) {
        cmd.add(arg);
      }
    }
    for (String kv : System.getProperty("metaload.raft", "").split(";")) {
      if (!kv.isBlank()) {
        cmd.add("--raft");
        cmd.add(kv.trim());
      }
    }
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(root.resolve(id + ".log").toFile()).start();
  }

  /** CPU time used so far by the replica processes (0 where the OS does not say). */
  private static long cpuNanos(Map<String, Process> procs) {
    long sum = 0;
    for (Process p : procs.values()) {
      sum += p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L);
    }
    return sum;
  }

  /** Returns {@code uri} once one replica answers, leader or not (the election takes a while longer). */
  private static String awaitReplica(String uri) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      if (MetaStatus.query(uri, Duration.ofSeconds(2)).replicas().stream().anyMatch(MetaStatus.Replica::reachable)) {
        return uri;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("no replica answered within 120 s");
  }

  private static String awaitLeader(String uri) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      try {
        String l = MetaStatus.query(uri, Duration.ofSeconds(2)).leaderId();
        if (l != null) {
          return l;
        }
      } catch (RuntimeException e) {
        // not up yet
      }
      Thread.sleep(200);
    }
    throw new IllegalStateException("no leader within 120 s");
  }

  record Result(long count, double perSecond, double p50, double p99) {}

  private static Result summarize(long[] nanos, int n, double seconds) {
    long[] sorted = Arrays.copyOf(nanos, n);
    Arrays.sort(sorted);
    double p50 = n == 0 ? 0 : sorted[(int) (n * 0.50)] / 1e6;
    double p99 = n == 0 ? 0 : sorted[Math.min(n - 1, (int) (n * 0.99))] / 1e6;
    return new Result(n, n / seconds, p50, p99);
  }

  interface Op {
    void run(int thread, long i);
  }

  private static Result timed(int threads, int seconds, Op op) throws InterruptedException {
    long[][] lat = new long[threads][Math.max(10_000, 4_000_000 / threads)];
    int[] counts = new int[threads];
    AtomicBoolean stop = new AtomicBoolean();
    List<Thread> ts = new ArrayList<>();
    long start = System.nanoTime();
    for (int t = 0; t < threads; t++) {
      int id = t;
      Thread th = new Thread(() -> {
        for (long i = 0; !stop.get() && counts[id] < lat[id].length; i++) {
          long s = System.nanoTime();
          op.run(id, i);
          lat[id][counts[id]++] = System.nanoTime() - s;
        }
      });
      th.start();
      ts.add(th);
    }
    Thread.sleep(seconds * 1000L);
    stop.set(true);
    for (Thread th : ts) {
      th.join();
    }
    double elapsed = (System.nanoTime() - start) / 1e9;
    int n = 0;
    for (int c : counts) {
      n += c;
    }
    long[] all = new long[n];
    int at = 0;
    for (int t = 0; t < threads; t++) {
      System.arraycopy(lat[t], 0, all, at, counts[t]);
      at += counts[t];
    }
    return summarize(all, n, elapsed);
  }

  /** Log entries the last commit phase's txns went into (a raft:// revision is index * 4096 + position + 1). */
  private static final Set<Long> ENTRIES = ConcurrentHashMap.newKeySet();

  private static Result commits(List<KvStore> stores, int committers, int seconds) throws InterruptedException {
    ENTRIES.clear();
    return timed(committers, seconds, (t, i) -> {
      long rev = stores.get(t % stores.size())
          .commit(Txn.builder().put(Bytes.utf8("bench/" + t + "/" + (i % 1000)), new byte[64]).build()).revision();
      ENTRIES.add((rev - 1) >> 12);
    });
  }

  interface Phase {
    Result run() throws InterruptedException;
  }

  /** Runs {@code phase} while {@code n} other raft:// clients follow the feed (with or without a lease). */
  private static Result withSubscribers(String uri, int n, boolean leased, Phase phase) throws InterruptedException {
    List<KvStore> subs = new ArrayList<>();
    List<Watch> watches = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        KvStore s = KvStores.open(uri + (leased ? "" : "&lease=off"));
        subs.add(s);
        watches.add(s.watch(s.revision(), new WatchListener() {
          @Override
          public void onEvent(ChangeEvent event) {}

          @Override
          public void onResync(long revision) {}
        }));
      }
      long deadline = System.nanoTime() + 30_000_000_000L;
      while (leased && !watches.stream().allMatch(Watch::coherent) && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      return phase.run();
    } finally {
      watches.forEach(Watch::close);
      subs.forEach(KvStore::close);
    }
  }

  private static Result reads(KvStore store, int readers, int seconds) throws InterruptedException {
    return timed(readers, seconds, (t, i) -> store.get(Bytes.utf8("bench/" + t + "/" + (i % 1000))));
  }

  /** Watch delivery: from the ack to the committer, and from the start of the commit call, to the subscriber. */
  private static Result[] watch(KvStore store, int committers, int seconds) throws InterruptedException {
    Map<Long, Long> ackedAt = new ConcurrentHashMap<>();
    Map<Long, Long> sentAt = new ConcurrentHashMap<>();
    long[] lat = new long[4_000_000];
    long[] full = new long[4_000_000];
    AtomicLong n = new AtomicLong();
    Map<Long, Long> arrivedAt = new ConcurrentHashMap<>();
    try (Watch w = store.watch(store.revision(), new WatchListener() {
      @Override
      public void onEvent(ChangeEvent event) {
        arrivedAt.put(event.revision(), System.nanoTime());
      }

      @Override
      public void onResync(long revision) {
        System.out.println("watch resync to " + revision);
      }
    })) {
      timed(committers, seconds, (t, i) -> {
        long sent = System.nanoTime();
        long rev = store.commit(Txn.builder().put(Bytes.utf8("watch/" + t), new byte[64]).build()).revision();
        ackedAt.put(rev, System.nanoTime());
        sentAt.put(rev, sent);
      });
      Thread.sleep(2000);
    }
    for (Map.Entry<Long, Long> e : ackedAt.entrySet()) {
      Long arrived = arrivedAt.get(e.getKey());
      if (arrived != null && n.get() < lat.length) {
        full[(int) n.get()] = arrived - sentAt.get(e.getKey());
        lat[(int) n.getAndIncrement()] = Math.max(0, arrived - e.getValue());
      }
    }
    return new Result[] {summarize(lat, (int) n.get(), seconds), summarize(full, (int) n.get(), seconds)};
  }

  private static Duration failover(KvStore store, Map<String, Process> procs, String uri) throws Exception {
    String leader = awaitLeader(uri);
    store.commit(Txn.builder().put(Bytes.utf8("failover"), new byte[1]).build());
    long killed = System.nanoTime();
    procs.get(leader).destroyForcibly().waitFor();
    store.commit(Txn.builder().put(Bytes.utf8("failover"), new byte[2]).build());
    return Duration.ofNanos(System.nanoTime() - killed);
  }
}
