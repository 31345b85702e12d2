package io.quorumfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.fs.Errno;
import io.quorumfs.fs.FsException;
import io.quorumfs.kv.KvUnavailableException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;

/** The one exception → errno table, and the guard that applies it. */
class ErrorsTest {
  private static int errno(Throwable t) {
    return Errors.errno("op", "/p", t, false);
  }

  @Test
  void fsException_carriesItsErrno_evenWhenWrapped() {
    for (Errno e : Errno.values()) {
      assertEquals(e.code(), errno(new FsException(e, "x")), e.name());
    }
    assertEquals(2, errno(new CompletionException(new FsException(Errno.ENOENT, "gone"))));
    assertEquals(2, errno(new RuntimeException("wrapper", new FsException(Errno.ENOENT, "gone"))));
  }

  @Test
  void diskFull_isEnospc_evenUnderAnEioWrapper() {
    IOException full = new IOException("No space left on device");
    assertEquals(28, errno(new FsException(Errno.EIO, "upload failed", new UncheckedIOException(full))));
    assertEquals(28, errno(new UncheckedIOException(full)));
  }

  @Test
  void diskFull_isRecognisedInTheWordsOfTheProcessLocale_notOnlyInEnglish() {
    assertEquals("No space left on device", Errors.strerror(28), "the C library, in this machine's C locale");
    List<String> texts = Errors.texts(28, "No space left on device");
    assertEquals("No space left on device", texts.get(0));
    // This machine's C locale words it in English; a German one would read:
    List<String> german = List.of("No space left on device",
        "Auf dem Gerät ist kein Speicherplatz mehr verfügbar");
    assertTrue(Errors.says("write: Auf dem Gerät ist kein Speicherplatz mehr verfügbar", german));
    assertFalse(Errors.says("write: Eingabe-/Ausgabefehler", german));
    assertEquals(28, errno(new java.io.IOException(texts.get(texts.size() - 1))));
  }

  @Test
  void timeoutsInterruptsAndUnknowns() {
    assertEquals(110, errno(new TimeoutException("slow")));
    assertEquals(110, Errors.errno("op", "/p", new InterruptedException(), true), "watchdog fired: ETIMEDOUT");
    assertEquals(4, errno(new InterruptedException()));
    assertEquals(5, errno(new KvUnavailableException("no leader")));
    assertEquals(95, errno(new UnsupportedOperationException()));
    assertEquals(5, errno(new IllegalStateException("bug")));
    assertEquals(5, errno(new StackOverflowError()));
    assertEquals(18, errno(new Refused(18, "cross-device")));
  }

  @Test
  void guard_returnsResults_andNegativeErrnos_neverThrows() {
    try (Guard g = new Guard(Duration.ofSeconds(5))) {
      assertEquals(7, g.call("op", "/p", () -> 7));
      assertEquals(-17, g.call("op", "/p", () -> {
        throw new FsException(Errno.EEXIST, "exists");
      }));
      assertEquals(-5, g.call("op", "/p", () -> {
        throw new AssertionError("even errors");
      }));
    }
  }

  @Test
  void guard_recordsEachOperationsLatencyAndFailures() {
    com.codahale.metrics.MetricRegistry metrics = new com.codahale.metrics.MetricRegistry();
    java.util.concurrent.atomic.AtomicLong now = new java.util.concurrent.atomic.AtomicLong(1);
    try (Guard g = new Guard(Duration.ofSeconds(5), () -> now.addAndGet(2_000_000), metrics)) {
      assertEquals(0, g.call("getattr", "/a", () -> 0));
      assertEquals(0, g.call("getattr", "/b", () -> 0));
      assertEquals(-2, g.call("open", "/c", () -> {
        throw new FsException(Errno.ENOENT, "gone");
      }));
    }
    assertEquals(2, metrics.timer("fuse.op.getattr").getCount());
    // at least the one clock step between a call's start and end (the watchdog reads the clock too)
    org.junit.jupiter.api.Assertions.assertTrue(metrics.timer("fuse.op.getattr").getSnapshot().getMin() >= 2_000_000);
    // the total time: the sum of what the timer saw, whatever its reservoir kept
    assertEquals(java.util.Arrays.stream(metrics.timer("fuse.op.getattr").getSnapshot().getValues()).sum(),
        metrics.counter("fuse.op.getattr.nanos").getCount());
    assertEquals(1, metrics.timer("fuse.op.open").getCount());
    assertEquals(1, metrics.counter("fuse.op.open.errors").getCount());
    assertEquals(0, metrics.counter("fuse.op.getattr.errors").getCount());
  }

  @Test
  void guard_interruptsACallPastTheTimeout_andClearsTheFlagAfterwards() {
    try (Guard g = new Guard(Duration.ofMillis(100))) {
      assertEquals(-110, g.call("op", "/slow", () -> {
        Thread.sleep(60_000);
        return 0;
      }));
      assertEquals(false, Thread.currentThread().isInterrupted());
      assertEquals(0, g.call("op", "/p", () -> 0));
      assertEquals(0, g.callWaiting("lock", "/p", () -> {
        Thread.sleep(300); // longer than the timeout, but waiting calls are not bounded
        return 0;
      }));
    }
  }
}
