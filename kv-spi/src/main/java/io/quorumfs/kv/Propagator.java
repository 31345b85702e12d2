package io.quorumfs.kv;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The background copier of a {@link PairedStore}: pages through the outbox in the fast store,
 * copies each key's current fast state to the slow store, and removes the entry if no newer write
 * replaced it. Retries failures with exponential backoff. One thread; memory bounded by the page.
 */
final class Propagator implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(Propagator.class);

  /** Outbox size and the age of its oldest entry. */
  record Stats(long backlog, Duration lag) {}

  private final KvStore fast;
  private final KvStore slow;
  private final PairedStore.Options options;
  private final Thread thread;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private boolean wakeups;
  private volatile boolean stopped;
  private volatile Throwable lastError;

  Propagator(KvStore fast, KvStore slow, PairedStore.Options options) {
    this.fast = fast;
    this.slow = slow;
    this.options = options;
    this.thread = new Thread(this, "paired-propagator");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  void wake() {
    lock.lock();
    try {
      wakeups = true;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  void stop() {
    stopped = true;
    wake();
    try {
      thread.join(TimeUnit.SECONDS.toMillis(30));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  Throwable lastError() {
    return lastError;
  }

  @Override
  public void run() {
    int attempt = 0;
    byte[] after = null;
    boolean passFoundWork = false;
    while (!stopped) {
      try {
        ScanPage page = fast.scan(PairedStore.OUTBOX, options.pageSize(), after);
        copy(page.entries());
        attempt = 0;
        lastError = null;
        passFoundWork |= !page.entries().isEmpty();
        if (page.more()) {
          after = page.next();
          continue;
        }
        after = null;
        if (passFoundWork) {
          passFoundWork = false;
          continue;
        }
        idle();
      } catch (KvClosedException e) {
        if (stopped) {
          return;
        }
        lastError = e;
        // Writes acknowledged from the fast store stay in its outbox and reach the slow one only
        // once the pair is opened again: say so loudly rather than end in silence.
        log.error("propagation to the slow store stopped: a store of the pair was closed; "
            + "the outbox keeps what is not copied yet until the pair is opened again", e);
        return;
      } catch (RuntimeException e) {
        lastError = e;
        if (attempt == 0 || Integer.bitCount(attempt) == 1) { // first failure, then 2, 4, 8, ...
          log.warn("propagation to the slow store failed ({} in a row); retrying", attempt + 1, e);
        }
        backoff(attempt++);
      }
    }
  }

  /** Copies one page of outbox entries: snapshot fast state, one slow txn, then per-entry removal. */
  private void copy(List<Versioned> entries) {
    if (entries.isEmpty()) {
      return;
    }
    int max = Math.max(1, Math.min(entries.size(), slow.maxTxnSize()));
    for (int from = 0; from < entries.size(); from += max) {
      List<Versioned> part = entries.subList(from, Math.min(entries.size(), from + max));
      List<byte[]> probe = new ArrayList<>(part.size() * 2);
      for (Versioned e : part) {
        probe.add(PairedStore.userKeyOf(e.value()));
      }
      for (Versioned e : part) {
        probe.add(e.key());
      }
      List<Versioned> state = fast.getAll(probe);
      Txn.Builder b = Txn.builder();
      List<Versioned> copied = new ArrayList<>(part.size());
      for (int i = 0; i < part.size(); i++) {
        Versioned outbox = state.get(part.size() + i);
        if (!outbox.exists()) {
          continue;
        }
        Versioned data = state.get(i);
        if (data.exists()) {
          b.put(data.key(), data.value());
        } else {
          b.delete(data.key());
        }
        copied.add(outbox);
      }
      if (copied.isEmpty()) {
        continue;
      }
      CommitResult r = slow.commit(b.build());
      if (!r.ok()) {
        throw new KvException("slow store refused an unconditional copy: " + r.failed());
      }
      for (Versioned outbox : copied) {
        fast.commit(Txn.builder().requireUnchanged(outbox).delete(outbox.key()).build());
      }
    }
  }

  private void idle() {
    lock.lock();
    try {
      changed.signalAll();
      if (!wakeups && !stopped) {
        changed.await(1, TimeUnit.SECONDS);
      }
      wakeups = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped = true;
    } finally {
      lock.unlock();
    }
  }

  private void backoff(int attempt) {
    long min = Math.max(1, options.minBackoff().toNanos());
    long delay = Math.min(options.maxBackoff().toNanos(), min << Math.min(attempt, 30));
    lock.lock();
    try {
      long left = delay;
      while (left > 0 && !stopped) {
        left = changed.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped = true;
    } finally {
      lock.unlock();
    }
  }

  /** Waits until the outbox is empty, re-checking after every propagation pass. */
  boolean awaitDrained(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (stats().backlog() > 0) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      lock.lock();
      try {
        changed.awaitNanos(Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
      } finally {
        lock.unlock();
      }
    }
    return true;
  }

  Stats stats() {
    long n = 0;
    long oldest = Long.MAX_VALUE;
    byte[] after = null;
    while (true) {
      ScanPage p = fast.scan(PairedStore.OUTBOX, options.pageSize(), after);
      for (Versioned e : p.entries()) {
        n++;
        oldest = Math.min(oldest, PairedStore.writeTimeOf(e.value()));
      }
      if (!p.more() || p.entries().isEmpty()) {
        break;
      }
      after = p.next();
    }
    Duration lag = n == 0 ? Duration.ZERO
        : Duration.ofMillis(Math.max(0, options.clock().millis() - oldest));
    return new Stats(n, lag);
  }
}
