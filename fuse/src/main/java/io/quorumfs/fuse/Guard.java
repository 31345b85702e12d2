package io.quorumfs.fuse;

import com.codahale.metrics.Counter;
import com.codahale.metrics.LockFreeExponentiallyDecayingReservoir;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.quorumfs.kv.KvUnavailableException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one wrapper around every FUSE callback. It runs the operation on the calling libfuse thread,
 * turns any exception into {@code -errno} through {@link Errors}, and never lets a throwable reach
 * native code. A watchdog interrupts a call that runs longer than the operation timeout, so a slow
 * or lost backend ends in ETIMEDOUT instead of a hung mount (as far as the backend's waits are
 * interruptible; a call that ignores the interrupt is logged as stuck).
 *
 * <p>With a metrics registry, each operation's latency goes to the timer {@code fuse.op.<op>}, its
 * total time to the counter {@code fuse.op.<op>.nanos} (a timer keeps no sum) and its failures to
 * the counter {@code fuse.op.<op>.errors}; the metrics endpoint exports them as the families
 * {@code quorumfs_fuse_op_seconds} and {@code quorumfs_fuse_op_errors_total}, labelled {@code op}.
 *
 * <p>Thread-safe; cost per call is two uncontended monitor enters, two clock reads and, with
 * metrics, a lock-free reservoir update.
 */
final class Guard implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Guard.class);

  /** A file-system operation: returns a non-negative result (a count or 0) or throws. */
  @FunctionalInterface
  interface Call {
    int run() throws Exception;
  }

  private final long timeoutNanos;
  private final LongSupplier nanoClock;
  private final Set<Slot> slots = ConcurrentHashMap.newKeySet();
  private final ThreadLocal<Slot> slot = ThreadLocal.withInitial(this::newSlot);
  private final ScheduledExecutorService watchdog;
  private final MetricRegistry metrics;
  private final ConcurrentHashMap<String, OpMetrics> ops = new ConcurrentHashMap<>();

  private record OpMetrics(Timer latency, Counter nanos) {}

  Guard(Duration timeout) {
    this(timeout, System::nanoTime, null);
  }

  /** {@code metrics} null: no per-operation metrics. */
  Guard(Duration timeout, LongSupplier nanoClock, MetricRegistry metrics) {
    this.timeoutNanos = timeout.toNanos();
    this.nanoClock = nanoClock;
    this.metrics = metrics;
    this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "quorumfs-fuse-watchdog");
      t.setDaemon(true);
      return t;
    });
    long period = Math.max(10, Math.min(500, timeout.toMillis() / 10));
    watchdog.scheduleWithFixedDelay(this::scan, period, period, TimeUnit.MILLISECONDS);
  }

  /** Runs {@code body} for FUSE operation {@code op} on {@code path}; returns its result or -errno. */
  int call(String op, String path, Call body) {
    return run(op, path, body, true, false);
  }

  /**
   * Like {@link #call} for an operation that changes nothing (getattr, read, readdir...): while
   * the metadata store is unavailable (e.g. a Raft leader election), it is retried with backoff
   * for up to half the operation timeout instead of failing at once. Changing operations are not
   * retried here: after an ambiguous failure a retry could answer wrongly (EEXIST for a create
   * that did commit); fs-core retries what it knows to be safe.
   */
  int callReadOnly(String op, String path, Call body) {
    return run(op, path, body, true, true);
  }

  /**
   * Like {@link #call} for an operation that legitimately waits without bound (a blocking lock):
   * no timeout applies.
   */
  int callWaiting(String op, String path, Call body) {
    return run(op, path, body, false, false);
  }

  private int run(String op, String path, Call body, boolean bounded, boolean retryUnavailable) {
    Slot s = slot.get();
    long start = nonZero(nanoClock.getAsLong());
    s.begin(op, path, bounded ? start : 0);
    int result = 0;
    Throwable failure = null;
    long backoffMillis = 20;
    while (true) {
      try {
        result = body.run();
        failure = null;
        break;
      } catch (Throwable t) {
        failure = t;
      }
      if (!retryUnavailable || !unavailable(failure) || nanoClock.getAsLong() - start > timeoutNanos / 2) {
        break;
      }
      try {
        Thread.sleep(backoffMillis);
      } catch (InterruptedException e) {
        break;
      }
      backoffMillis = Math.min(1000, backoffMillis * 2);
    }
    boolean timedOut = s.end();
    if (metrics != null) {
      record(op, nanoClock.getAsLong() - start, failure != null);
    }
    if (failure == null) {
      return result;
    }
    try {
      return -Errors.errno(op, path, failure, timedOut);
    } catch (Throwable t) {
      // Even logging failed (OOM?): still never throw into native code.
      return -Errors.EIO;
    }
  }

  private void record(String op, long nanos, boolean failed) {
    try {
      OpMetrics m = ops.computeIfAbsent(op, o -> new OpMetrics(metrics.timer("fuse.op." + o,
          () -> new Timer(LockFreeExponentiallyDecayingReservoir.builder().build())),
          metrics.counter("fuse.op." + o + ".nanos")));
      m.latency.update(nanos, TimeUnit.NANOSECONDS);
      m.nanos.inc(nanos);
      if (failed) {
        metrics.counter("fuse.op." + op + ".errors").inc();
      }
    } catch (RuntimeException e) {
      // a metric name taken by another kind of metric: the operation's answer matters more
    }
  }

  private static boolean unavailable(Throwable t) {
    int depth = 0;
    for (Throwable c = t; c != null && depth < 20; c = c.getCause(), depth++) {
      if (c instanceof KvUnavailableException) {
        return true;
      }
    }
    return false;
  }

  private static long nonZero(long nanos) {
    return nanos == 0 ? 1 : nanos;
  }

  private Slot newSlot() {
    Slot s = new Slot(Thread.currentThread());
    slots.add(s);
    return s;
  }

  private void scan() {
    try {
      long now = nanoClock.getAsLong();
      for (Slot s : slots) {
        if (!s.thread.isAlive()) {
          slots.remove(s);
        } else {
          s.checkDeadline(now, timeoutNanos);
        }
      }
    } catch (RuntimeException e) {
      log.error("FUSE watchdog scan failed", e);
    }
  }

  @Override
  public void close() {
    watchdog.shutdownNow();
  }

  /** The call a libfuse worker thread is running now, if any. */
  private static final class Slot {
    final Thread thread;
    private long startNanos; // 0 = idle
    private String op;
    private String path;
    private boolean interrupted;
    private boolean reportedStuck;

    Slot(Thread thread) {
      this.thread = thread;
    }

    /** {@code now} 0: a call without a deadline. */
    synchronized void begin(String op, String path, long now) {
      this.op = op;
      this.path = path;
      this.startNanos = now;
      this.interrupted = false;
      this.reportedStuck = false;
    }

    /** Ends the call; true if the watchdog interrupted it. Clears the interrupt flag for the next call. */
    synchronized boolean end() {
      startNanos = 0;
      if (interrupted) {
        Thread.interrupted();
        return true;
      }
      return false;
    }

    synchronized void checkDeadline(long now, long timeoutNanos) {
      if (startNanos == 0) {
        return;
      }
      long elapsed = now - startNanos;
      if (elapsed <= timeoutNanos) {
        return;
      }
      if (!interrupted) {
        interrupted = true;
        log.warn("FUSE {} {} exceeded the operation timeout of {} ms; interrupting it (answers ETIMEDOUT)",
            op, path, timeoutNanos / 1_000_000);
        thread.interrupt();
      } else if (!reportedStuck && elapsed > 2 * timeoutNanos) {
        reportedStuck = true;
        log.error("FUSE {} {} still running after {} ms despite an interrupt: the backend wait is not"
            + " interruptible; the calling process is blocked", op, path, elapsed / 1_000_000);
      }
    }
  }
}
