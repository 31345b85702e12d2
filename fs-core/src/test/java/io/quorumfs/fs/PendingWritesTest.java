package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.blob.BlobStore;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.ForwardingKvStore;
import io.quorumfs.kv.MemKvStore;
import io.quorumfs.kv.Poll;
import io.quorumfs.kv.Txn;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Sizes and reads while a flush's commit is in flight: the kernel shrinks its own file size to any
 * smaller size a GETATTR answers and cuts later reads short, so no answer given during a commit may
 * forget the writes that commit carries.
 */
class PendingWritesTest {
  private static final int CHUNK = 64 * 1024;

  /** A store whose commits wait, once armed, until released. */
  private static final class GatedStore extends ForwardingKvStore {
    volatile boolean armed;
    volatile boolean failing;
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    GatedStore() {
      super(new MemKvStore());
    }

    @Override
    public CommitResult commit(Txn txn) {
      if (failing) {
        throw new io.quorumfs.kv.KvUnavailableException("injected: the store is down");
      }
      if (armed) {
        entered.countDown();
        try {
          if (!release.await(60, TimeUnit.SECONDS)) {
            throw new IllegalStateException("gate never released");
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
      return inner.commit(txn);
    }
  }

  private GatedStore store;
  private FileSystem fs;

  @BeforeEach
  void open() {
    store = new GatedStore();
    FsConfig config = FsConfig.builder().chunkSize(CHUNK).background(false)
        .reclaimOnClose(true).build();
    BlobStore blobs = FileSystems.blobsIn(new MemKvStore(), config); // blob puts do not pass the gate
    fs = FileSystems.open(store, blobs, config);
  }

  @AfterEach
  void close() {
    store.release.countDown();
    fs.close();
    store.close();
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void sizeAndReads_duringAFlushCommit_includeTheWritesBeingCommitted() throws Exception {
    byte[] data = random(35_000, 1);
    Opened o = fs.create(FileSystem.ROOT, "f", 0644, 0, 0, FileSystem.O_RDWR);
    long ino = o.attr().ino();
    assertEquals(10_000, fs.write(o.fh(), 0, data, 0, 10_000));
    fs.flush(o.fh());
    assertEquals(25_000, fs.write(o.fh(), 10_000, data, 10_000, 25_000));

    store.armed = true;
    AtomicReference<Throwable> flushFailure = new AtomicReference<>();
    Thread flusher = new Thread(() -> {
      try {
        fs.flush(o.fh());
      } catch (Throwable t) {
        flushFailure.set(t);
      }
    });
    flusher.start();
    assertTrue(store.entered.await(60, TimeUnit.SECONDS), "the flush reached its commit");

    assertEquals(35_000, fs.getattr(ino).size(), "getattr while the commit is in flight");
    assertEquals(35_000, fs.lookup(FileSystem.ROOT, "f").size(), "lookup while the commit is in flight");

    long reader = fs.open(ino, FileSystem.O_RDONLY);
    byte[] got = new byte[35_000];
    int[] n = new int[1];
    Thread read = new Thread(() -> n[0] = fs.read(reader, 0, got, 0, got.length));
    read.start();
    // Either the read waits for the commit (blocked on the inode's flush) or it has already
    // answered; releasing the gate only after one of the two keeps the outcome deterministic.
    Poll.until(Duration.ofSeconds(60), "the read to finish or to wait for the flush",
        () -> !read.isAlive() || Threads.waiting(read));
    store.armed = false;
    store.release.countDown();
    read.join(60_000);
    flusher.join(60_000);
    assertEquals(null, flushFailure.get());
    assertEquals(35_000, n[0], "bytes read during the commit");
    assertArrayEquals(data, got);
    fs.release(reader);
    fs.release(o.fh());
  }

  @Test
  void writesThroughTwoHandles_areCommittedInTheOrderTheyWereMade() {
    Opened o = fs.create(FileSystem.ROOT, "f", 0644, 0, 0, FileSystem.O_RDWR);
    long ino = o.attr().ino();
    long b = fs.open(ino, FileSystem.O_RDWR);
    byte[] older = random(3 * CHUNK, 2);
    byte[] newer = random(CHUNK + 100, 3);
    fs.write(o.fh(), 0, older, 0, older.length);
    fs.write(b, 50, newer, 0, newer.length);
    fs.flush(b); // must carry the older write too, under the newer one
    fs.release(o.fh()); // and this one must not write the older bytes over the newer
    fs.release(b);
    byte[] want = older.clone();
    System.arraycopy(newer, 0, want, 50, newer.length);
    long h = fs.open(ino, FileSystem.O_RDONLY);
    byte[] got = new byte[want.length];
    assertEquals(want.length, fs.read(h, 0, got, 0, got.length));
    fs.release(h);
    assertEquals(-1, Arrays.mismatch(want, got), "first differing byte");
  }

  @Test
  void closingTheFileSystem_whenPendingWritesCannotBeCommitted_reportsEio() {
    Opened o = fs.create(FileSystem.ROOT, "f", 0644, 0, 0, FileSystem.O_WRONLY);
    fs.write(o.fh(), 0, random(1000, 4), 0, 1000);
    FileSystem broken = fs;
    store.failing = true;
    FsException e = org.junit.jupiter.api.Assertions.assertThrows(FsException.class, broken::close);
    assertEquals(Errno.EIO, e.errno());
    assertTrue(e.getMessage().contains("lost the pending writes"), e.getMessage());
    store.failing = false;
  }
}
