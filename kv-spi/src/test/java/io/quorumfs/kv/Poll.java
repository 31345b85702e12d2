package io.quorumfs.kv;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

/**
 * Waits for a condition with a deadline instead of sleeping a guessed time: polls {@code cond},
 * backing off from 1 ms to 20 ms between tries, and fails the test naming {@code what} when the
 * deadline passes. One helper for every module's tests (kv-spi test-jar).
 */
public final class Poll {

  private Poll() {}

  /**
   * Returns as soon as {@code cond} holds.
   *
   * @throws AssertionError if it does not hold within {@code within}, or the thread is interrupted
   */
  public static void until(Duration within, String what, BooleanSupplier cond) {
    long deadline = System.nanoTime() + within.toNanos();
    long pauseNanos = 1_000_000;
    while (!cond.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within " + within + ": " + what);
      }
      LockSupport.parkNanos(pauseNanos);
      if (Thread.interrupted()) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted while waiting for " + what);
      }
      pauseNanos = Math.min(pauseNanos * 2, 20_000_000);
    }
  }
}
