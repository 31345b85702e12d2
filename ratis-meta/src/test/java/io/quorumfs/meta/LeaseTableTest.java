package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The leader's lease bookkeeping, on a fake clock. */
class LeaseTableTest {
  private long now = 1_000_000_000L;
  private final LeaseTable t = new LeaseTable(() -> now, Duration.ofSeconds(2));

  private void advance(Duration d) {
    now += d.toNanos();
  }

  @Test
  void noHolders_aCommitIsReleasedAtOnce() {
    assertTrue(t.awaitAcked(10).isDone());
  }

  @Test
  void aCommitWaitsForEveryValidHolderToAcknowledgeIt() {
    t.grant("a", 5);
    t.grant("b", 5);
    CompletableFuture<Void> c = t.awaitAcked(7);
    assertFalse(c.isDone());
    assertTrue(t.ack("a", 7));
    assertFalse(c.isDone(), "b has not acknowledged 7");
    assertTrue(t.ack("b", 6));
    assertFalse(c.isDone(), "6 is not 7");
    assertTrue(t.ack("b", 9));
    assertTrue(c.isDone());
  }

  @Test
  void aCommitterDoesNotWaitForItsOwnLeases_butForEveryOtherHolder() {
    t.grant("c1/x", 5);
    t.grant("c1/y", 5);
    assertTrue(t.awaitAcked(7, "c1/").isDone(), "only the committer's own leases are behind");
    CompletableFuture<Void> other = t.awaitAcked(7, "c2/");
    assertFalse(other.isDone(), "another client's commit waits for c1's leases");
    t.ack("c1/x", 7);
    t.ack("c1/y", 7);
    assertTrue(other.isDone());
    t.grant("c10/z", 5);
    assertFalse(t.awaitAcked(8, "c1/").isDone(), "c10 is not c1: a prefix ends with the separator");
  }

  @Test
  void aHungHolderDelaysCommitsAtMostOneLease_thenLosesItsLease() {
    t.grant("a", 5);
    t.grant("hung", 5);
    CompletableFuture<Void> c = t.awaitAcked(6);
    t.ack("a", 6);
    advance(Duration.ofMillis(1999));
    t.tick();
    assertFalse(c.isDone(), "the lease of hung is still valid");
    assertTrue(t.ack("a", 6), "a renews in time");
    advance(Duration.ofMillis(1));
    t.tick();
    assertTrue(c.isDone(), "the lease lapsed");
    assertFalse(t.ack("hung", 6), "a lapsed lease is not renewed by a late acknowledgment");
    assertFalse(t.awaitAcked(20).isDone(), "a is still a holder");
  }

  @Test
  void acknowledgmentsRenewTheLease() {
    t.grant("a", 1);
    for (int i = 0; i < 10; i++) {
      advance(Duration.ofMillis(1500));
      assertTrue(t.ack("a", 1 + i), "renewed in time, round " + i);
    }
    assertEquals(1, t.holders());
    advance(Duration.ofSeconds(2));
    assertEquals(0, t.holders());
  }

  @Test
  void leasesGrantedAfterACommitWasAskedFor_doNotHoldItBack() {
    t.grant("a", 3);
    CompletableFuture<Void> c = t.awaitAcked(4);
    t.grant("late", 0);
    t.ack("a", 4);
    assertTrue(c.isDone());
  }

  @Test
  void releasingALease_releasesTheCommitsWaitingForIt() {
    t.grant("a", 3);
    CompletableFuture<Void> c = t.awaitAcked(4);
    t.release("a");
    assertTrue(c.isDone());
    assertEquals(0, t.holders());
  }

  @Test
  void theClientsExpiry_comesBeforeTheLeadersEvenWithClocksDriftingByTheBound() {
    long lease = LeaseTable.LEASE.toNanos();
    long sent = 5_000_000_000L;
    long received = sent; // the earliest the leader can have it
    long leader = received + lease;
    long client = LeaseTable.clientExpiry(sent, lease);
    // The client's clock may run fast by the drift bound: its lease must end before the leader's
    // by the leader's clock, i.e. (client - sent) * (1 + DRIFT) < leader - sent.
    assertTrue((client - sent) * (1 + LeaseTable.DRIFT) < leader - sent,
        "client expiry " + (client - sent) + " ns after sending, leader's " + (leader - sent));
    assertTrue(LeaseTable.newLeaderHoldNanos() > lease * (1 + LeaseTable.DRIFT));
  }
}
