package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.ForwardingBlobStore;
import io.quorumfs.kv.MemKvStore;
import io.quorumfs.kv.Poll;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Writes a flush has taken out of the write buffer but not yet committed ("in flight") are still
 * this client's writes: the FUSE layer serves requests on several threads, and the kernel sends a
 * GETATTR or a READ (read-ahead, an mmap fault) while another thread's READ or fsync is flushing.
 * The blob store is gated so a flush can be held in the middle of its commit.
 */
class FlushInFlightTest {
  private static final int CHUNK = 64 * 1024;

  /** Holds the first {@link #missing} call after {@link #arm} until {@link #release}. */
  private static final class GatedBlobs extends ForwardingBlobStore {
    final AtomicBoolean armed = new AtomicBoolean();
    final CountDownLatch entered = new CountDownLatch(1);
    final CountDownLatch released = new CountDownLatch(1);

    GatedBlobs(BlobStore inner) {
      super(inner);
    }

    @Override
    public Set<BlobId> missing(Collection<BlobId> ids) {
      if (armed.compareAndSet(true, false)) {
        entered.countDown();
        try {
          released.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return super.missing(ids);
    }
  }

  private MemKvStore store;
  private GatedBlobs blobs;
  private FileSystem fs;

  @BeforeEach
  void open() {
    store = new MemKvStore();
    FsConfig config = FsConfig.builder().chunkSize(CHUNK).background(false).build();
    blobs = new GatedBlobs(FileSystems.blobsIn(store, config));
    fs = FileSystems.open(store, blobs, config);
  }

  @AfterEach
  void close() {
    blobs.released.countDown();
    fs.close();
    store.close();
  }

  private Opened file;
  private CompletableFuture<Void> flushing;
  private byte[] want;

  /** A file of 100 committed bytes, then 1,000 bytes written at 50 whose flush is held mid-commit. */
  private void holdAFlush() throws Exception {
    file = fs.create(FileSystem.ROOT, "f", 0644, 0, 0, FileSystem.O_RDWR);
    long fh = file.fh();
    byte[] a = bytes(100, 'a');
    fs.write(fh, 0, a, 0, a.length);
    fs.fsync(fh, false);
    byte[] b = bytes(1000, 'b');
    fs.write(fh, 50, b, 0, b.length); // buffered: the file is 1,050 bytes to this client now
    want = new byte[1050];
    System.arraycopy(a, 0, want, 0, 50);
    System.arraycopy(b, 0, want, 50, 1000);
    blobs.armed.set(true);
    flushing = CompletableFuture.runAsync(() -> fs.flush(fh));
    assertTrue(blobs.entered.await(60, TimeUnit.SECONDS), "the flush did not reach its commit");
  }

  @Test
  void getattr_whileAFlushCommits_countsTheWritesItTook() throws Exception {
    holdAFlush();
    assertEquals(1050, fs.getattr(file.attr().ino()).size(), "getattr while the flush commits");
    assertEquals(1050, fs.lookup(FileSystem.ROOT, "f").size(), "lookup while the flush commits");
    blobs.released.countDown();
    flushing.get(60, TimeUnit.SECONDS);
    assertEquals(1050, fs.getattr(file.attr().ino()).size(), "getattr after the flush");
    fs.release(file.fh());
  }

  @Test
  void readOnAnotherHandle_whileAFlushCommits_returnsTheWritesItTook() throws Exception {
    holdAFlush();
    long reader = fs.open(file.attr().ino(), FileSystem.O_RDONLY);
    byte[] got = new byte[2000];
    AtomicReference<Thread> readerThread = new AtomicReference<>();
    CompletableFuture<Integer> read = CompletableFuture.supplyAsync(() -> {
      readerThread.set(Thread.currentThread());
      return fs.read(reader, 0, got, 0, got.length);
    });
    awaitBlockedOrDone(read, readerThread);
    blobs.released.countDown();
    flushing.get(60, TimeUnit.SECONDS);
    assertEquals(1050, read.get(60, TimeUnit.SECONDS), "bytes read while the flush committed");
    assertArrayEquals(want, Arrays.copyOf(got, 1050));
    fs.release(reader);
    fs.release(file.fh());
  }

  /** Waits (bounded) until the read has returned or its thread waits for something. */
  private static void awaitBlockedOrDone(CompletableFuture<?> f, AtomicReference<Thread> t) {
    Poll.until(Duration.ofSeconds(30), "the read to return or to wait", () -> f.isDone() || Threads.waiting(t.get()));
  }

  private static byte[] bytes(int n, char c) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) c);
    return b;
  }
}
