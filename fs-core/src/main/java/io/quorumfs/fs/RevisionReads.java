package io.quorumfs.fs;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;

/**
 * The store's current revision for read barriers, one store read shared by concurrent callers.
 *
 * <p>A caller must get a revision read that <em>started after it arrived</em>: only then does it
 * cover every commit acknowledged before the caller started. So a caller never joins a read
 * already in flight; it joins the <em>next</em> read, which starts as soon as the one in flight
 * ends and carries every caller that arrived meanwhile. The first caller to need the next read
 * performs it (after waiting for the one in flight); it is marked as started, under the lock,
 * before the store is asked, so nobody joins a read that began before they arrived. At most two
 * reads exist at once: one in flight and one gathering callers.
 *
 * <p>Thread-safe. Failures of a shared read are thrown to every caller that joined it. A reader
 * interrupted while waiting still performs the read (others joined it) and returns with its
 * interrupt flag set.
 */
final class RevisionReads {
  private final LongSupplier revision;
  private final Object lock = new Object();
  private CompletableFuture<Long> inFlight; // started; guarded by lock
  private CompletableFuture<Long> gathering; // not started yet; guarded by lock

  RevisionReads(LongSupplier revision) {
    this.revision = revision;
  }

  /**
   * A revision read by the store after this call began.
   *
   * @throws InterruptedException if interrupted while waiting for a shared read
   * @throws TimeoutException if the shared read did not finish within {@code timeoutNanos}
   */
  long next(long timeoutNanos) throws InterruptedException, TimeoutException {
    CompletableFuture<Long> mine;
    CompletableFuture<Long> before = null;
    boolean reader;
    synchronized (lock) {
      if (inFlight == null) {
        mine = inFlight = new CompletableFuture<>();
        reader = true;
      } else if (gathering == null) {
        mine = gathering = new CompletableFuture<>();
        before = inFlight;
        reader = true;
      } else {
        mine = gathering;
        reader = false;
      }
    }
    if (!reader) {
      return await(mine, timeoutNanos);
    }
    boolean interrupted = false;
    if (before != null) {
      try {
        before.get(timeoutNanos, TimeUnit.NANOSECONDS);
      } catch (ExecutionException | TimeoutException e) {
        // Its outcome is not ours; only its end matters (or we stop waiting and read now).
      } catch (InterruptedException e) {
        interrupted = true; // read anyway for those who joined; the caller sees the interrupt after
      }
      synchronized (lock) {
        if (gathering == mine) {
          gathering = null; // from here on, newcomers gather for the read after this one
        }
        inFlight = mine; // started: nobody joins it any more
      }
    }
    try {
      long r = revision.getAsLong();
      mine.complete(r);
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      return r;
    } catch (RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      synchronized (lock) {
        if (inFlight == mine) {
          inFlight = null;
        }
      }
    }
  }

  private static long await(CompletableFuture<Long> f, long timeoutNanos)
      throws InterruptedException, TimeoutException {
    try {
      return f.get(timeoutNanos, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException r) {
        throw r;
      }
      if (c instanceof Error err) {
        throw err;
      }
      throw new IllegalStateException(c);
    }
  }
}
