package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.quorumfs.blob.BlobStore;
import io.quorumfs.kv.KvStore;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.function.Executable;

/**
 * The fixture of {@link FileSystemContract}: a store from the subclass, a fresh key prefix per
 * test (so one server serves every test), clients on it, and an fsck of the tree after each test.
 */
public abstract class FsFixture {
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  protected static final long ROOT = FileSystem.ROOT;
  /** Small chunks so multi-chunk behaviour is cheap to exercise. */
  protected static final int CHUNK = 64 * 1024;

  protected KvStore store;
  protected BlobStore blobs;
  protected FsConfig config;
  protected SkewClock clock;
  protected FileSystem fs;
  private final List<FileSystem> clients = new ArrayList<>();

  /** The store under test; may be shared by every test of the class (prefixes keep them apart). */
  protected abstract KvStore store();

  /** The blob store for file data; by default blobs live in the metadata store. */
  protected BlobStore blobStore(KvStore kv, FsConfig cfg) {
    return FileSystems.blobsIn(kv, cfg);
  }

  /** Longest time a change may take to reach another client through the feed. */
  protected Duration feedLatency() {
    return Duration.ofSeconds(10);
  }

  @BeforeEach
  void openFixture() {
    store = store();
    clock = new SkewClock();
    config = FsConfig.builder()
        .keyPrefix("t" + ProcessHandle.current().pid() + "-" + PREFIXES.incrementAndGet() + "/")
        .chunkSize(CHUNK)
        .background(false)
        .reclaimOnClose(true)
        .sessionTtl(Duration.ofSeconds(30))
        .clock(clock)
        .random(() -> new Random(42))
        .build();
    blobs = blobStore(store, config);
    fs = client();
  }

  /** Another client of the same file system (its own cache, session and handles). */
  protected FileSystem client() {
    return client(config);
  }

  protected FileSystem client(FsConfig cfg) {
    return client(store, cfg);
  }

  /** A client that reaches the store through {@code kv} (a wrapper of {@link #store}). */
  protected FileSystem client(KvStore kv, FsConfig cfg) {
    FileSystem c = FileSystems.open(kv, blobs, cfg);
    clients.add(c);
    return c;
  }

  @AfterEach
  void closeFixture() {
    for (FileSystem c : clients) {
      c.close();
    }
    clients.clear();
    Fsck.Report r = Fsck.run(store, blobs, config, false);
    assertTrue(r.clean(), () -> "fsck after the test: " + r.problems());
    afterFsck();
  }

  /** Hook for subclasses that own per-test resources. */
  protected void afterFsck() {}

  // ---- helpers ----

  protected static void assertErrno(Errno want, Executable op) {
    FsException e = assertThrows(FsException.class, op);
    assertEquals(want, e.errno(), () -> "message: " + e.getMessage());
  }

  protected Attr file(long parent, String name) {
    return fs.mknod(parent, name, Mode.S_IFREG | 0644, 1000, 1000, 0);
  }

  protected Attr dir(long parent, String name) {
    return fs.mkdir(parent, name, 0755, 1000, 1000);
  }

  protected static List<String> names(FileSystem f, long dir) {
    List<String> out = new ArrayList<>();
    String after = null;
    while (true) {
      DirPage p = f.readdir(dir, after, 100);
      p.entries().forEach(e -> out.add(e.name()));
      if (!p.more() || p.entries().isEmpty()) {
        return out;
      }
      after = p.next();
    }
  }

  protected static void writeAll(FileSystem f, long fh, long offset, byte[] data) {
    assertEquals(data.length, f.write(fh, offset, data, 0, data.length));
  }

  protected static byte[] readAll(FileSystem f, long ino) {
    long fh = f.open(ino, FileSystem.O_RDONLY);
    try {
      return read(f, fh, 0, (int) f.getattr(ino).size());
    } finally {
      f.release(fh);
    }
  }

  protected static byte[] read(FileSystem f, long fh, long offset, int len) {
    byte[] buf = new byte[len];
    int done = 0;
    while (done < len) {
      int n = f.read(fh, offset + done, buf, done, len - done);
      if (n == 0) {
        return java.util.Arrays.copyOf(buf, done);
      }
      done += n;
    }
    return buf;
  }

  /** Writes {@code data} as the whole content of a new file and closes it. */
  protected Attr writeFile(FileSystem f, long parent, String name, byte[] data) {
    Opened o = f.create(parent, name, 0644, 0, 0, FileSystem.O_RDWR);
    writeAll(f, o.fh(), 0, data);
    f.release(o.fh());
    return f.getattr(o.attr().ino());
  }

  protected static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** Polls {@code cond} until it holds or {@code within} passes. */
  protected static void eventually(Duration within, String what, BooleanSupplier cond) {
    long deadline = System.nanoTime() + within.toNanos();
    long pause = 1;
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("not within " + within + ": " + what);
      }
      try {
        Thread.sleep(pause);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted");
      }
      pause = Math.min(50, pause * 2);
    }
  }
}
