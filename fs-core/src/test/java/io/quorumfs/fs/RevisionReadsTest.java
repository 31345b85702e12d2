package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Poll;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RevisionReadsTest {
  private static final long TIMEOUT = Duration.ofSeconds(60).toNanos();

  /** A store whose revision reads block until released; each read returns the revision at its start. */
  private static final class SlowStore {
    final AtomicLong committed = new AtomicLong();
    final AtomicInteger reads = new AtomicInteger();
    final CountDownLatch firstStarted = new CountDownLatch(1);
    final CountDownLatch release = new CountDownLatch(1);

    long revision() {
      long r = committed.get();
      if (reads.incrementAndGet() == 1) {
        firstStarted.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }
      return r;
    }
  }

  private static void awaitWaiting(Thread[] threads, int n) {
    Poll.until(Duration.ofNanos(TIMEOUT), "callers to start waiting",
        () -> java.util.Arrays.stream(threads).filter(Threads::waiting).count() >= n);
  }

  @Test
  void callersArrivingDuringARead_shareTheNextRead_whichSeesWhatWasCommittedBeforeThey() throws Exception {
    SlowStore store = new SlowStore();
    RevisionReads reads = new RevisionReads(store::revision);
    ExecutorService pool = Executors.newCachedThreadPool();
    try {
      Future<Long> first = pool.submit(() -> reads.next(TIMEOUT));
      assertTrue(store.firstStarted.await(60, TimeUnit.SECONDS));
      store.committed.set(7); // acknowledged after the first read began, before the others arrive
      long[] got = new long[4];
      Thread[] late = new Thread[got.length];
      for (int i = 0; i < late.length; i++) {
        int idx = i;
        late[i] = new Thread(() -> {
          try {
            got[idx] = reads.next(TIMEOUT);
          } catch (Exception e) {
            got[idx] = -1;
          }
        });
        late[i].start();
      }
      awaitWaiting(late, late.length);
      store.release.countDown();
      assertEquals(0L, first.get(60, TimeUnit.SECONDS));
      for (Thread t : late) {
        t.join(60_000);
      }
      for (long g : got) {
        assertEquals(7L, g, "a caller that arrived during a read got that read's (older) revision");
      }
      assertEquals(2, store.reads.get(), "the four late callers shared one read");
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aCallerAfterAReadEnded_readsAgain() throws Exception {
    AtomicLong rev = new AtomicLong(3);
    RevisionReads reads = new RevisionReads(rev::getAndIncrement);
    assertEquals(3, reads.next(TIMEOUT));
    assertEquals(4, reads.next(TIMEOUT));
  }
}
