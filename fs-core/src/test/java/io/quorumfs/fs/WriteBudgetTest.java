package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.MemKvStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The per-client bound on buffered write bytes (issue 13): writers wait, never fail. */
class WriteBudgetTest {
  private static final int CHUNK = 64 * 1024;
  private static final int FILES = 50;
  private static final int FILE_BYTES = 1 << 20;
  private static final int WRITE = 16 * 1024;

  @Test
  void fiftyFilesWrittenAtOnce_neverHoldMoreThanTheBudget_andEveryByteArrives() throws Exception {
    long limit = 1L << 20; // 16 chunks: 50 writers each buffering one chunk would pass it 3 times
    FsConfig cfg = FsConfig.builder().chunkSize(CHUNK).writeBufferBytes(64L << 20)
        .writeBudgetBytes(limit).background(false).build();
    try (MemKvStore store = new MemKvStore()) {
      KvFileSystem fs = (KvFileSystem) FileSystems.open(store, cfg);
      try {
        byte[][] contents = new byte[FILES][];
        long[] inos = new long[FILES];
        ExecutorService pool = Executors.newFixedThreadPool(FILES);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<?>> writers = new ArrayList<>();
        for (int i = 0; i < FILES; i++) {
          int f = i;
          contents[f] = new byte[FILE_BYTES];
          new Random(f).nextBytes(contents[f]);
          Opened o = fs.create(FileSystem.ROOT, "f" + f, 0644, 0, 0, FileSystem.O_WRONLY);
          inos[f] = o.attr().ino();
          writers.add(pool.submit(() -> {
            go.await();
            // out of order within each file, so chunks are partly written for a while
            for (int pass = 0; pass < 2; pass++) {
              for (int off = pass * WRITE; off < FILE_BYTES; off += 2 * WRITE) {
                assertEquals(WRITE, fs.write(o.fh(), off, contents[f], off, WRITE));
              }
            }
            fs.release(o.fh());
            return null;
          }));
        }
        go.countDown();
        for (Future<?> w : writers) {
          w.get(5, TimeUnit.MINUTES);
        }
        pool.shutdown();

        WriteBudget budget = fs.writeBudget();
        assertTrue(budget.peak() <= limit, "held " + budget.peak() + " bytes, bound " + limit);
        assertTrue(budget.waits() > 0, "the bound was never reached: the test proves nothing");
        assertEquals(0, budget.used(), "bytes still counted after every handle closed");
        for (int f = 0; f < FILES; f++) {
          long fh = fs.open(inos[f], FileSystem.O_RDONLY);
          byte[] back = new byte[FILE_BYTES];
          int n = 0;
          while (n < FILE_BYTES) {
            int r = fs.read(fh, n, back, n, FILE_BYTES - n);
            assertTrue(r > 0, "file " + f + " ends at " + n);
            n += r;
          }
          fs.release(fh);
          assertArrayEquals(contents[f], back, "file " + f);
        }
      } finally {
        fs.close();
      }
    }
  }

  @Test
  void aWriteLargerThanTheWholeBudget_isLetThroughWhenNothingElseIsHeld() {
    FsConfig cfg = FsConfig.builder().chunkSize(CHUNK).writeBudgetBytes(CHUNK).background(false).build();
    try (MemKvStore store = new MemKvStore()) {
      KvFileSystem fs = (KvFileSystem) FileSystems.open(store, cfg);
      try {
        byte[] data = new byte[3 * CHUNK];
        new Random(1).nextBytes(data);
        Opened o = fs.create(FileSystem.ROOT, "big", 0644, 0, 0, FileSystem.O_RDWR);
        assertEquals(data.length, fs.write(o.fh(), 0, data, 0, data.length));
        assertEquals(data.length, fs.write(o.fh(), 0, data, 0, data.length));
        fs.release(o.fh());
        assertEquals(0, fs.writeBudget().used());
        long fh = fs.open(o.attr().ino(), FileSystem.O_RDONLY);
        byte[] back = new byte[data.length];
        assertEquals(data.length, fs.read(fh, 0, back, 0, back.length));
        fs.release(fh);
        assertArrayEquals(data, back);
      } finally {
        fs.close();
      }
    }
  }
}
