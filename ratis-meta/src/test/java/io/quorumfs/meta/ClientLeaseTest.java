package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The client's lease on an injected clock that jumps: it never outlives what the clock can vouch for. */
class ClientLeaseTest {
  private static final long L = LeaseTable.LEASE.toNanos();

  private long now = 1_000_000_000L;
  private final ClientLease lease = new ClientLease(new ClientLease.Clock(() -> now));

  private void advance(Duration d) {
    now += d.toNanos();
  }

  /** A grant, then one acknowledgment confirmed: the lease is valid. */
  private void validLease() {
    lease.granted(7, L);
    assertFalse(lease.valid(), "not before an acknowledgment is confirmed");
    lease.confirmed(lease.acknowledging());
    assertTrue(lease.valid());
    assertEquals(7, lease.grantRevision());
  }

  @Test
  void aConfirmedAcknowledgment_makesTheLeaseValidUntilItsSendTimePlusTheLeaseLessTheMargins() {
    validLease();
    advance(Duration.ofNanos(LeaseTable.clientExpiry(0, L) - 1));
    assertTrue(lease.valid());
    advance(Duration.ofNanos(1));
    assertFalse(lease.valid(), "expired by the client's own clock, before the leader's expiry");
  }

  @Test
  void aJumpForwardPastTheExpiry_endsTheLeaseAtOnce_andTheNextConfirmedAcknowledgmentRenewsIt() {
    validLease();
    long sentBeforeTheJump = lease.acknowledging();
    advance(Duration.ofHours(1));
    assertFalse(lease.valid(), "the clock says the lease is long over");
    lease.confirmed(sentBeforeTheJump);
    assertFalse(lease.valid(), "an acknowledgment sent before the jump renews from its send time: expired too");
    lease.confirmed(lease.acknowledging());
    assertTrue(lease.valid(), "an acknowledgment sent after the jump and confirmed renews the lease");
  }

  @Test
  void aStepBack_endsTheLease_untilAnAcknowledgmentSentOnTheNewTimelineIsConfirmed() {
    validLease();
    long sentBeforeTheStep = lease.acknowledging();
    now -= Duration.ofMillis(1).toNanos();
    assertFalse(lease.valid(), "a clock that went back cannot measure the lease it was counting");
    now += Duration.ofSeconds(1).toNanos();
    assertFalse(lease.valid(), "still lost once the clock is past the step again");
    lease.confirmed(sentBeforeTheStep);
    assertFalse(lease.valid(), "an acknowledgment sent on the old timeline renews nothing");
    lease.confirmed(lease.acknowledging());
    assertTrue(lease.valid(), "an acknowledgment sent after the step and confirmed renews the lease");
  }

  @Test
  void aStepBackBeforeTheConfirmation_isSeenByTheConfirmation() {
    validLease();
    long seq = lease.acknowledging();
    now -= Duration.ofSeconds(30).toNanos(); // nobody asked for the lease meanwhile
    lease.confirmed(seq);
    assertFalse(lease.valid(), "sent on the old timeline, confirmed on the new one: not valid");
  }

  @Test
  void aNewGrant_isNotValidUntilAnAcknowledgmentSentAfterItIsConfirmed() {
    validLease();
    long before = lease.acknowledging();
    lease.granted(9, L);
    assertFalse(lease.valid());
    lease.confirmed(before);
    assertFalse(lease.valid(), "an acknowledgment from before the grant does not count for it");
    lease.confirmed(lease.acknowledging());
    assertTrue(lease.valid());
    assertEquals(9, lease.grantRevision());
  }
}
