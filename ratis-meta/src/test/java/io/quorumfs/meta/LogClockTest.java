package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The time carried in the log for the dedupe table's expiry ({@link LogClock}, {@link
 * CommitSessions}): two replicas with their own injected wall and monotonic clocks lead in turn.
 */
class LogClockTest {
  private static final long IDLE = Duration.ofMinutes(10).toMillis();
  private static final long HOUR = Duration.ofHours(1).toMillis();

  private final UUID x = new UUID(1, 1);
  private final UUID y = new UUID(2, 2);

  /** One replica's clocks, which only the test moves. */
  private static final class Clocks {
    final AtomicLong wallMillis;
    final AtomicLong nanos;
    final LogClock log;

    Clocks(long wallMillis, long nanos) {
      this.wallMillis = new AtomicLong(wallMillis);
      this.nanos = new AtomicLong(nanos);
      this.log = new LogClock(this.nanos::get, this.wallMillis::get);
    }

    void pass(Duration d) {
      wallMillis.addAndGet(d.toMillis());
      nanos.addAndGet(d.toNanos());
    }
  }

  /** Applies one entry stamped {@code at} touching {@code client}, as MetaStateMachine does. */
  private static void apply(CommitSessions table, UUID client, long at) {
    table.touch(client, 0, at);
    table.expire(at);
    table.drainDirty();
  }

  @Test
  void aNewLeaderWhoseWallClockIsAnHourAhead_doesNotExpireAClientThatResendsWithinTheWindow() {
    Clocks a = new Clocks(1_800_000_000_000L, 5_000_000_000L);
    Clocks b = new Clocks(1_800_000_000_000L + HOUR, 123_000_000_000L); // an hour ahead
    CommitSessions table = new CommitSessions(IDLE);

    // A leads term 1. Client X's txn (seq 5) applies; its reply is lost.
    long t1 = a.log.stamp(1, 0);
    table.record(x, 5, new byte[] {1});
    apply(table, x, t1);
    long applied = t1;

    // Two minutes later B leads term 2. Another client's batch comes first, then X's resend.
    a.pass(Duration.ofMinutes(2));
    b.pass(Duration.ofMinutes(2));
    long t2 = b.log.stamp(2, applied);
    apply(table, y, t2);
    assertEquals(CommitSessions.Seen.DUPLICATE, table.seen(x, 5), "X's resend is answered, not applied again");
    assertTrue(t2 >= t1 && t2 - t1 < IDLE, "log time moved " + (t2 - t1) + " ms");

    // Stamped with B's wall clock (how the leader stamped before), the same batch expires X, and
    // its resend would apply a second time.
    CommitSessions byWall = new CommitSessions(IDLE);
    byWall.record(x, 5, new byte[] {1});
    apply(byWall, x, a.wallMillis.get() - Duration.ofMinutes(2).toMillis());
    apply(byWall, y, b.wallMillis.get());
    assertEquals(CommitSessions.Seen.NEW, byWall.seen(x, 5));
  }

  @Test
  void stamps_followTheMonotonicClock_notWallClockSteps_andNeverGoBack() {
    Clocks a = new Clocks(1_800_000_000_000L, 0);
    long t1 = a.log.stamp(1, 0);
    assertEquals(1_800_000_000_000L, t1, "a group's first stamp: the wall clock");
    a.wallMillis.addAndGet(HOUR); // the wall clock steps forward, then back
    a.nanos.addAndGet(Duration.ofSeconds(3).toNanos());
    assertEquals(t1 + 3_000, a.log.stamp(1, t1));
    a.wallMillis.addAndGet(-2 * HOUR);
    a.nanos.addAndGet(Duration.ofSeconds(1).toNanos());
    assertEquals(t1 + 4_000, a.log.stamp(1, t1));

    // B leads next with an applied time behind A's last stamp (its state machine lags): it starts
    // from there, which only delays expiry; A, leading again later, never stamps below its own.
    Clocks b = new Clocks(0, 42);
    long t2 = b.log.stamp(2, t1 + 1_000);
    assertEquals(t1 + 1_000, t2);
    b.nanos.addAndGet(Duration.ofSeconds(10).toNanos());
    long t3 = b.log.stamp(2, t2);
    assertEquals(t2 + 10_000, t3);
    a.nanos.addAndGet(Duration.ofSeconds(60).toNanos());
    assertEquals(t3, a.log.stamp(3, t3), "a new term starts from the applied log time");
    a.nanos.addAndGet(Duration.ofSeconds(2).toNanos());
    assertEquals(t3 + 2_000, a.log.stamp(3, t3));
    // A leads again with an applied time far behind: never below its own last stamp.
    assertEquals(t3 + 2_000, a.log.stamp(4, t1));
  }
}
