package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobInfo;
import io.quorumfs.blob.BlobPage;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.BlobStores;
import io.quorumfs.blob.DirBlobStore;
import io.quorumfs.fs.FeedControlStore;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.fs.GcMark;
import io.quorumfs.fs.Opened;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.meta.FaultyReplicaMain;
import io.quorumfs.meta.MetaStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Fault soak (issue #17): nothing acknowledged is ever lost. Three replica processes
 * ({@link FaultyReplicaMain}) form one raft:// file system with blobs in a shared file:// store;
 * mount W ({@code quorumfs mount --write-back}) and mount T (write-through) are launcher
 * processes; a third client R runs in this JVM on a {@link FeedControlStore}. While random writers
 * write, overwrite and unlink whole files through both mounts, a slow appender per mount appends
 * and fsyncs rarely (its full chunks are uploaded long before their commit, past the GC grace), R
 * holds files open that T unlinks and reads them through its handles, R's feed is cut with a RESYNC
 * every second and {@code quorumfs gc --delete}'s code ({@link Parts#gc}) runs every few seconds
 * with a short grace: replica n3's store fails one apply (it must stop and say why; the others go
 * on), and W is SIGKILLed mid-write and started again on its cache dir.
 *
 * <p>At the end every acknowledged byte (a file closed without error, an appender's fsynced
 * prefix, R's fsynced held files) reads back equal from the other mount; then everything stops,
 * the three replicas start again (n3 on its healthy store replays what it missed), a fresh mount
 * reads it all equal again, {@code quorumfs fsck --read-data} is clean, and a final GC pass
 * leaves no blob in the store that the mark does not reference.
 *
 * <p>Cost in bin/test: about 2 minutes on 2 cores ({@code -Dsoak.seconds=40}, the default). The
 * bench command {@code bench/soak/faults.sh} runs it longer.
 */
class FaultSoakIT {
  private static final Duration PATIENCE = Duration.ofSeconds(180);
  /** gc.grace-seconds of the soak's GC passes: above the store's stamp refresh and a commit's latency. */
  private static final long GRACE_SECONDS = 10;
  private static final long SOAK_SECONDS = Long.getLong("soak.seconds", 40);
  private static final long SEED = Long.getLong("soak.seed", System.nanoTime());

  private Path dir;
  private final Map<String, Process> replicas = new LinkedHashMap<>();
  private final Map<String, String> peers = new LinkedHashMap<>();
  private final List<Launcher.Started> started = new ArrayList<>();
  private final ConcurrentLinkedQueue<String> events = new ConcurrentLinkedQueue<>();

  /** What a client was told is safe: the file {@code name} holds {@code length} bytes of content {@code seed} (or at least them). */
  private record Acked(long seed, long length, boolean prefix) {}

  private final Map<String, Acked> acked = new ConcurrentHashMap<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (Launcher.Started s : started) {
      if (s.process().isAlive()) {
        Launcher.sigint(s.process().pid());
        if (!s.process().waitFor(60, TimeUnit.SECONDS)) {
          s.process().destroyForcibly();
        }
      }
    }
    for (String m : List.of("mnt-w", "mnt-t", "mnt-check")) {
      if (dir != null && Launcher.mounted(dir.resolve(m))) {
        new ProcessBuilder("fusermount", "-u", "-z", dir.resolve(m).toString()).start().waitFor(10, TimeUnit.SECONDS);
      }
    }
    for (Process p : replicas.values()) {
      p.destroyForcibly();
      p.waitFor(30, TimeUnit.SECONDS);
    }
    if (dir != null && !Boolean.getBoolean("soak.keep")) {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  @Test
  void faultSoak_everyAcknowledgedByteSurvives_andGcLeavesNoGarbage() throws Exception {
    dir = Files.createTempDirectory("quorumfs-fault-soak");
    System.out.println("fault soak: seed " + SEED + ", " + SOAK_SECONDS + " s, dir " + dir);
    startReplicas();
    String meta = metaUri();
    String blobUri = "file://" + dir.resolve("blobs") + "?refresh=2";
    Files.createDirectories(dir.resolve("blobs"));
    Path w = dir.resolve("mnt-w");
    Path t = dir.resolve("mnt-t");
    Launcher.Started mountW = mount("mount-w-0", w, meta, blobUri, true);
    Launcher.Started mountT = mount("mount-t", t, meta, blobUri, false);

    FsConfig rConfig = FsConfig.defaults();
    KvStore rMeta = KvStores.open(meta);
    FeedControlStore rFeed = new FeedControlStore(rMeta);
    DirBlobStore rBlobs = DirBlobStore.open(dir.resolve("blobs"), Clock.systemUTC(), Duration.ofSeconds(2));
    FileSystem r = FileSystems.open(rFeed, rBlobs, rConfig);

    Signal stop = new Signal();
    AtomicLong gcDeleted = new AtomicLong();
    AtomicLong gcPasses = new AtomicLong();
    AtomicLong resyncs = new AtomicLong();
    AtomicLong heldChecked = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    Failures failures = new Failures();
    // W's workers run until W is killed; the second W gets its own.
    AtomicBoolean wAlive = new AtomicBoolean(true);
    threads.add(worker("writer-w0", failures, () -> wholeFiles("w0", w, t, SEED + 1, stop, wAlive)));
    threads.add(worker("writer-t0", failures, () -> wholeFiles("t0", t, t, SEED + 2, stop, null)));
    threads.add(worker("appender-w0", failures, () -> slowAppender("aw0", w, SEED + 3, stop, wAlive)));
    threads.add(worker("appender-t0", failures, () -> slowAppender("at0", t, SEED + 4, stop, null)));
    threads.add(worker("holder", failures, () -> holder(r, t, SEED + 5, stop, heldChecked)));
    threads.add(worker("resync", failures, () -> {
      while (!stop.raised()) {
        rFeed.resync();
        resyncs.incrementAndGet();
        stop.await(Duration.ofSeconds(1)); // the fault's pace; ends at once on stop
      }
    }));
    threads.add(worker("gc", failures, () -> {
      while (!stop.raised()) {
        Parts.GcReport rep = Parts.gc(meta, blobUri, false, GRACE_SECONDS, quietProgress());
        gcDeleted.addAndGet(rep.removed());
        gcPasses.incrementAndGet();
        stop.await(Duration.ofSeconds(3)); // gc's pace; ends at once on stop
      }
    }));
    threads.forEach(Thread::start);

    long t0 = System.nanoTime();
    long soakNanos = TimeUnit.SECONDS.toNanos(SOAK_SECONDS);
    waitUntil(t0 + soakNanos * 3 / 10, failures);
    // n3's store fails its next write: it must stop, say why, and the other two go on.
    Files.writeString(dir.resolve("fail-n3"), "now");
    Process n3 = replicas.get("n3");
    assertTrue(n3.waitFor(PATIENCE.toSeconds(), TimeUnit.SECONDS), "n3 did not stop after its store failed");
    assertEquals(3, n3.exitValue(), "n3's exit status");
    String n3Log = Files.readString(dir.resolve("n3.log"));
    assertTrue(n3Log.contains("STOPPED") && n3Log.contains("injected: the write of entry"),
        "n3 says why it stopped: " + n3Log.lines().filter(l -> l.contains("STOPPED")).toList());
    Files.delete(dir.resolve("fail-n3"));
    events.add("n3 stopped after its store failed, at " + secondsSince(t0) + " s");

    waitUntil(t0 + soakNanos / 2, failures);
    // W dies mid-write; its writers see the mount go away; what W acknowledged is in its cache dir.
    wAlive.set(false);
    mountW.process().destroyForcibly();
    assertTrue(mountW.process().waitFor(60, TimeUnit.SECONDS));
    events.add("W SIGKILLed at " + secondsSince(t0) + " s");
    new ProcessBuilder("fusermount", "-u", "-z", w.toString()).start().waitFor(30, TimeUnit.SECONDS);
    for (Thread th : List.copyOf(threads)) {
      if (th.getName().endsWith("-w0")) {
        th.join(PATIENCE.toMillis());
        assertTrue(!th.isAlive(), th.getName() + " still running after W died");
      }
    }
    mountW = mount("mount-w-1", w, meta, blobUri, true);
    List<Thread> second = List.of(
        worker("writer-w1", failures, () -> wholeFiles("w1", w, t, SEED + 6, stop, null)),
        worker("appender-w1", failures, () -> slowAppender("aw1", w, SEED + 7, stop, null)));
    second.forEach(Thread::start);
    threads.addAll(second);

    waitUntil(t0 + soakNanos, failures);
    stop.raise();
    for (Thread th : threads) {
      th.join(PATIENCE.toMillis());
      assertTrue(!th.isAlive(), th.getName() + " did not finish");
    }
    {
      List<Throwable> all = failures.all();
      if (!all.isEmpty()) {
        AssertionError e = new AssertionError("soak workers failed: " + all.get(0), all.get(0));
        all.stream().skip(1).forEach(e::addSuppressed);
        throw e;
      }
    }
    System.out.printf("fault soak: %d files acknowledged, %d held files read after unlink, %d gc passes"
        + " deleted %d blobs, %d RESYNCs; %s%n", acked.size(), heldChecked.get(), gcPasses.get(),
        gcDeleted.get(), resyncs.get(), events);
    assertTrue(gcDeleted.get() > 0, "the gc passes deleted something (the soak made garbage)");
    assertTrue(heldChecked.get() > 0, "R read files T had unlinked");

    // Every acknowledged byte reads back equal from the other mount (waiting for W's uploads).
    for (Map.Entry<String, Acked> e : acked.entrySet()) {
      Path other = e.getKey().startsWith("w") || e.getKey().startsWith("aw") ? t : w;
      awaitEqual(other.resolve(e.getKey()), e.getValue());
    }
    r.close();
    rBlobs.close();
    rMeta.close();
    stopLaunched(mountW);
    stopLaunched(mountT);

    // Everything again after a restart of every replica (n3 on its healthy store).
    for (String id : List.copyOf(replicas.keySet())) {
      Process p = replicas.remove(id);
      p.destroyForcibly();
      p.waitFor(60, TimeUnit.SECONDS);
    }
    startReplicas();
    Path check = dir.resolve("mnt-check");
    Launcher.Started mountCheck = mount("mount-check", check, meta, blobUri, false);
    for (Map.Entry<String, Acked> e : acked.entrySet()) {
      awaitEqual(check.resolve(e.getKey()), e.getValue());
    }
    stopLaunched(mountCheck);

    // n3 replayed the entry its store failed and holds what the others hold.
    String[] revisions = {""};
    assertTrue(Launcher.waitFor(PATIENCE, () -> {
      try {
        List<Long> rev = MetaStatus.query(meta, Duration.ofSeconds(3)).replicas().stream()
            .map(MetaStatus.Replica::revision).toList();
        revisions[0] = rev.toString();
        return rev.size() == 3 && rev.stream().distinct().count() == 1;
      } catch (RuntimeException e) {
        return false;
      }
    }), "the replicas' applied revisions never agreed: " + revisions[0]);

    Launcher.Result fsck = Launcher.run(PATIENCE, "fsck", "--meta", meta, "--blob", blobUri, "--read-data");
    assertEquals(0, fsck.code(), "fsck --read-data: " + fsck.out() + fsck.err());

    // A final pass with no grace leaves exactly the referenced blobs.
    Parts.gc(meta, blobUri, false, 0, quietProgress());
    try (KvStore m = KvStores.open(meta); BlobStore blobs = BlobStores.open(blobUri)) {
      Set<BlobId> live = GcMark.liveBlobs(m, FsConfig.defaults(), Duration.ofSeconds(60)).live();
      Set<BlobId> stored = new HashSet<>();
      BlobId after = null;
      BlobPage page;
      do {
        page = blobs.list(after, 1000);
        for (BlobInfo b : page.blobs()) {
          stored.add(b.id());
          after = b.id();
        }
      } while (page.more());
      Set<BlobId> garbage = new HashSet<>(stored);
      garbage.removeAll(live);
      assertTrue(garbage.isEmpty(), garbage.size() + " unreferenced blobs left after the final gc: " + garbage);
      Set<BlobId> lost = new HashSet<>(live);
      lost.removeAll(stored);
      assertTrue(lost.isEmpty(), lost.size() + " referenced blobs missing from the store: " + lost);
      System.out.println("fault soak: the final gc left " + stored.size() + " blobs, all referenced");
    }
  }

  // ---- the workers ---------------------------------------------------------------------------

  private interface Body {
    void run() throws Exception;
  }

  private static Thread worker(String name, Failures failures, Body body) {
    Thread t = new Thread(() -> {
      try {
        body.run();
      } catch (Throwable e) {
        failures.add(new AssertionError(name + ": " + e, e));
      }
    }, "soak-" + name);
    t.setDaemon(true);
    return t;
  }

  /**
   * Writes, overwrites and unlinks whole files named {@code prefix-N} through {@code mnt}; unlinks
   * go through {@code other} half the time. A file closed without error is acknowledged; one whose
   * write failed is forgotten. With {@code alive} given, I/O errors once it is false end the worker
   * quietly (the mount was killed).
   */
  private void wholeFiles(String prefix, Path mnt, Path other, long seed, Signal stop, AtomicBoolean alive)
      throws Exception {
    Random rnd = new Random(seed);
    List<String> mine = new ArrayList<>();
    int n = 0;
    while (!stop.raised() && (alive == null || alive.get())) {
      int op = rnd.nextInt(10);
      String name;
      if (op < 6 || mine.isEmpty()) {
        name = prefix + "-" + n++;
      } else {
        name = mine.get(rnd.nextInt(mine.size()));
      }
      try {
        if (op >= 8 && mine.contains(name)) {
          acked.remove(name);
          mine.remove(name);
          Files.delete((rnd.nextBoolean() ? other : mnt).resolve(name));
          continue;
        }
        long length = rnd.nextInt(10) == 0 ? 0 : rnd.nextInt(3 << 20);
        Acked a = new Acked(rnd.nextLong(), length, false);
        acked.remove(name); // unknown until the close returns
        try (FileChannel ch = FileChannel.open(mnt.resolve(name), StandardOpenOption.CREATE,
            StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
          writeContent(ch, a.seed(), 0, length);
        }
        acked.put(name, a);
        if (!mine.contains(name)) {
          mine.add(name);
        }
      } catch (IOException e) {
        if (alive != null && !alive.get()) {
          return;
        }
        throw e;
      }
    }
  }

  /**
   * Appends 48 KiB to one long-open file every 100 ms and fsyncs only every 15 s (longer than the
   * GC grace): its full chunks are uploaded long before their commit. The fsynced prefix is
   * acknowledged; at the end the close acknowledges all of it.
   */
  private void slowAppender(String name, Path mnt, long seed, Signal stop, AtomicBoolean alive)
      throws Exception {
    long contentSeed = new Random(seed).nextLong();
    long written = 0;
    long lastSync = System.nanoTime();
    try (FileChannel ch = FileChannel.open(mnt.resolve(name), StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      while (!stop.raised() && (alive == null || alive.get())) {
        writeContent(ch, contentSeed, written, 48 * 1024);
        written += 48 * 1024;
        if (System.nanoTime() - lastSync > TimeUnit.SECONDS.toNanos(15)) {
          ch.force(true);
          acked.put(name, new Acked(contentSeed, written, true));
          lastSync = System.nanoTime();
        }
        stop.await(Duration.ofMillis(100)); // the appender's pace; ends at once on stop
      }
    } catch (IOException e) {
      if (alive != null && !alive.get()) {
        return;
      }
      throw e;
    }
    acked.put(name, new Acked(contentSeed, written, false));
  }

  /**
   * R creates a file, fsyncs it and keeps it open; T unlinks it; R's feed gets a RESYNC meanwhile
   * (the resync worker) and R still reads every byte through its handle, then releases it.
   */
  private static void holder(FileSystem r, Path t, long seed, Signal stop, AtomicLong checked) throws Exception {
    Random rnd = new Random(seed);
    int n = 0;
    while (!stop.raised()) {
      String name = "held-" + n++;
      long contentSeed = rnd.nextLong();
      int length = 1 + rnd.nextInt(3 << 20);
      byte[] data = new byte[length];
      fill(contentSeed, 0, data);
      Opened o = r.create(FileSystem.ROOT, name, 0644, 0, 0, FileSystem.O_RDWR);
      r.write(o.fh(), 0, data, 0, length);
      r.fsync(o.fh(), false);
      Path onT = t.resolve(name);
      io.quorumfs.kv.Poll.until(PATIENCE, "T to see " + name + " and unlink it", () -> {
        try { // T sees the file once its barrier passes R's commit
          Files.delete(onT);
          return true;
        } catch (NoSuchFileException e) {
          return false;
        } catch (IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      // Held open for a while (unlink events, RESYNCs and gc passes happen meanwhile); a stop ends it.
      stop.await(Duration.ofMillis(rnd.nextInt(2000)));
      byte[] got = new byte[length];
      int read = 0;
      while (read < length) {
        int k = r.read(o.fh(), read, got, read, length - read);
        if (k <= 0) {
          break;
        }
        read += k;
      }
      if (read != length || !Arrays.equals(data, got)) {
        throw new AssertionError(name + ": R read " + read + " of " + length + " bytes"
            + (read == length ? " that differ" : "") + " through its handle after T unlinked the file");
      }
      r.release(o.fh());
      checked.incrementAndGet();
    }
  }

  // ---- content and checks --------------------------------------------------------------------

  /** Byte {@code p} of content {@code seed}: a mix of (seed, p / 8), so any range is reproducible. */
  private static void fill(long seed, long offset, byte[] dst) {
    for (int i = 0; i < dst.length; i++) {
      long p = offset + i;
      long z = seed + (p >>> 3) * 0x9E3779B97F4A7C15L;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      z ^= z >>> 31;
      dst[i] = (byte) (z >>> ((p & 7) * 8));
    }
  }

  private static void writeContent(FileChannel ch, long seed, long offset, long length) throws IOException {
    byte[] buf = new byte[64 * 1024];
    long done = 0;
    while (done < length) {
      int k = (int) Math.min(buf.length, length - done);
      byte[] part = k == buf.length ? buf : new byte[k];
      fill(seed, offset + done, part);
      ByteBuffer bb = ByteBuffer.wrap(part);
      while (bb.hasRemaining()) {
        ch.write(bb, offset + done + bb.position());
      }
      done += k;
    }
  }

  /** The file holds the acknowledged bytes (exactly, or as a prefix); waits while chunks are uploading. */
  private static void awaitEqual(Path p, Acked a) throws Exception {
    String[] last = {"never read"};
    boolean ok = Launcher.waitFor(PATIENCE, () -> {
      try {
        last[0] = differs(p, a);
      } catch (IOException e) {
        last[0] = e.toString();
      }
      return last[0] == null;
    });
    assertTrue(ok, p + " does not hold what was acknowledged (" + a + "): " + last[0]);
  }

  private static String differs(Path p, Acked a) throws IOException {
    long size = Files.size(p);
    if (a.prefix() ? size < a.length() : size != a.length()) {
      return "size " + size;
    }
    byte[] want = new byte[1 << 20];
    byte[] got = new byte[1 << 20];
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      for (long off = 0; off < a.length(); off += want.length) {
        int k = (int) Math.min(want.length, a.length() - off);
        ByteBuffer bb = ByteBuffer.wrap(got, 0, k);
        while (bb.hasRemaining() && ch.read(bb, off + bb.position()) > 0) {
          // reading
        }
        if (bb.hasRemaining()) {
          return "short read at " + (off + bb.position());
        }
        byte[] w = k == want.length ? want : new byte[k];
        fill(a.seed(), off, w);
        if (!Arrays.equals(w, 0, k, got, 0, k)) {
          return "bytes differ in [" + off + ", " + (off + k) + ")";
        }
      }
    }
    return null;
  }

  /** The soak's schedule: waits until {@code nanoTime}, or less if a worker has failed (reported at the end). */
  private static void waitUntil(long nanoTime, Failures failures) throws InterruptedException {
    failures.any.await(Math.max(0, nanoTime - System.nanoTime()), TimeUnit.NANOSECONDS);
  }

  /** Raised once; waits on it end at once when it is (the workers pace themselves with it). */
  private static final class Signal {
    private final CountDownLatch latch = new CountDownLatch(1);

    void raise() {
      latch.countDown();
    }

    boolean raised() {
      return latch.getCount() == 0;
    }

    /** Waits {@code d}, or less once raised. */
    void await(Duration d) throws InterruptedException {
      latch.await(d.toNanos(), TimeUnit.NANOSECONDS);
    }
  }

  /** What the workers threw; {@link #any} is counted down at the first. */
  private static final class Failures {
    private final List<Throwable> list = new ArrayList<>();
    final CountDownLatch any = new CountDownLatch(1);

    synchronized void add(Throwable t) {
      list.add(t);
      any.countDown();
    }

    synchronized List<Throwable> all() {
      return List.copyOf(list);
    }
  }

  private static long secondsSince(long t0) {
    return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0);
  }

  private static Progress quietProgress() {
    return new Progress(new PrintWriter(new StringWriter()), "gc", 0, false, System::nanoTime);
  }

  // ---- processes -----------------------------------------------------------------------------

  private String metaUri() {
    return "raft://" + String.join(",", peers.values()) + "?timeout=40s";
  }

  /** Starts (or starts again, on their dirs) the three replicas and waits for a leader. */
  private void startReplicas() throws Exception {
    if (peers.isEmpty()) {
      List<ServerSocket> held = new ArrayList<>();
      try {
        for (int i = 1; i <= 3; i++) {
          ServerSocket s = new ServerSocket(0);
          held.add(s);
          peers.put("n" + i, "127.0.0.1:" + s.getLocalPort());
        }
      } finally {
        for (ServerSocket s : held) {
          s.close();
        }
      }
    }
    StringBuilder spec = new StringBuilder();
    peers.forEach((k, v) -> spec.append(spec.length() == 0 ? "" : ",").append(k).append('=').append(v));
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (String id : peers.keySet()) {
      Path log = dir.resolve(id + ".log");
      if (Files.exists(log)) {
        Files.move(log, dir.resolve(id + ".log." + System.nanoTime()));
      }
      replicas.put(id, new ProcessBuilder(java, "-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
          "-Dio.netty.tryReflectionSetAccessible=true", "-cp", System.getProperty("java.class.path"),
          FaultyReplicaMain.class.getName(), "--fail-when", dir.resolve("fail-" + id).toString(),
          "--id", id, "--peers", spec.toString(), "--dir", dir.resolve("meta").resolve(id).toString())
          .redirectErrorStream(true).redirectOutput(log.toFile()).start());
    }
    for (String id : peers.keySet()) {
      Path log = dir.resolve(id + ".log");
      assertTrue(Launcher.waitFor(PATIENCE, () -> {
        try {
          return Files.exists(log) && Files.readString(log).contains("READY " + id) || !replicas.get(id).isAlive();
        } catch (IOException e) {
          return false;
        }
      }) && replicas.get(id).isAlive(), id + " did not start: " + Files.readString(log));
    }
    assertTrue(Launcher.waitFor(PATIENCE, () -> {
      try {
        return MetaStatus.query(metaUri(), Duration.ofSeconds(3)).leaderId() != null;
      } catch (RuntimeException e) {
        return false;
      }
    }), "no leader");
  }

  private Launcher.Started mount(String name, Path mnt, String meta, String blobUri, boolean writeBack)
      throws Exception {
    Files.createDirectories(mnt);
    List<String> args = new ArrayList<>(List.of("mount", mnt.toString(), "--meta", meta, "--blob", blobUri,
        "--cache-dir", dir.resolve("cache-" + mnt.getFileName()).toString()));
    if (writeBack) {
      args.add("--write-back");
    }
    Launcher.Started s = Launcher.start(dir, name, args.toArray(String[]::new));
    started.add(s);
    assertTrue(Launcher.waitFor(PATIENCE, () -> out(s).contains("READY") || !s.process().isAlive()),
        name + " did not get ready: " + err(s));
    assertTrue(s.process().isAlive(), name + " exited: " + out(s) + err(s));
    return s;
  }

  private static void stopLaunched(Launcher.Started s) throws Exception {
    Launcher.sigint(s.process().pid());
    assertTrue(s.process().waitFor(120, TimeUnit.SECONDS), "still running after SIGINT: " + err(s));
  }

  private static String out(Launcher.Started s) {
    try {
      return s.stdout();
    } catch (IOException e) {
      return "";
    }
  }

  private static String err(Launcher.Started s) {
    try {
      return s.stderr();
    } catch (IOException e) {
      return "";
    }
  }
}
