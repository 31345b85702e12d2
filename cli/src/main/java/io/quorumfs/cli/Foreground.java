package io.quorumfs.cli;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Keeps a server command in the foreground until SIGINT/SIGTERM, then stops what it started. */
final class Foreground {

  private static final Logger LOG = LoggerFactory.getLogger(Foreground.class);

  /** Something that can end by itself (a mount unmounted from outside). */
  interface Ends {
    void await() throws InterruptedException;
  }

  private Foreground() {}

  /** Blocks until the JVM is asked to stop; {@code stop} runs in the shutdown hook. */
  static void runUntilStopped(String what, Runnable stop) throws InterruptedException {
    runUntilStopped(what, stop, null);
  }

  /**
   * Blocks until the JVM is asked to stop or {@code ends} ends; {@code stop} runs once, in the
   * shutdown hook or on this thread.
   */
  static void runUntilStopped(String what, Runnable stop, Ends ends) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    AtomicBoolean stopped = new AtomicBoolean();
    Runnable stopOnce = () -> {
      if (stopped.compareAndSet(false, true)) {
        LOG.info("{}: stopping", what);
        try {
          stop.run();
        } finally {
          LOG.info("{}: stopped", what);
        }
      }
    };
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        stopOnce.run();
      } finally {
        done.countDown();
      }
    }, "quorumfs-stop"));
    if (ends != null) {
      Thread watcher = new Thread(() -> {
        try {
          ends.await();
          LOG.info("{}: ended from outside", what);
          done.countDown();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }, "quorumfs-end-watch");
      watcher.setDaemon(true);
      watcher.start();
    }
    done.await();
    stopOnce.run();
  }
}
