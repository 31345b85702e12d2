package io.quorumfs.cli;

import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Keeps a server command in the foreground until SIGINT/SIGTERM, then stops what it started. */
final class Foreground {

  private static final Logger LOG = LoggerFactory.getLogger(Foreground.class);

  private Foreground() {}

  /** Blocks until the JVM is asked to stop; {@code stop} runs in the shutdown hook. */
  static void runUntilStopped(String what, Runnable stop) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      LOG.info("{}: stopping", what);
      try {
        stop.run();
      } finally {
        LOG.info("{}: stopped", what);
        done.countDown();
      }
    }, "quorumfs-stop"));
    done.await();
  }
}
