package io.quorumfs.meta;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;

/**
 * The leader's record of client cache leases (docs/leases.md): which feed subscribers hold a lease,
 * until when by the leader's clock, and the revision each has acknowledged receiving. A commit's
 * reply is released ({@link #awaitAcked}) once every lease that was valid when it was asked for has
 * either acknowledged the commit's revision or lapsed: whatever a committer was told is done is
 * then already inside every valid lease holder's feed.
 *
 * <p>Safety rests on the client's own expiry being earlier than the leader's: the client counts
 * its lease from when it <em>sent</em> the acknowledgment that renewed it, minus a drift margin;
 * the leader counts from when it <em>received</em> it. A lease that lapses is gone: the session
 * must be granted a new one (which the client may use only once it has received up to the
 * revision the grant names). Time is an injected monotonic nanosecond clock; nothing here reads
 * the wall clock. Thread-safe.
 */
final class LeaseTable {

  private static final class Lease {
    long acked;
    long expiresNanos;
  }

  private static final class Waiter {
    final long revision;
    final List<String> holders;
    final CompletableFuture<Void> done = new CompletableFuture<>();

    Waiter(long revision, List<String> holders) {
      this.revision = revision;
      this.holders = holders;
    }
  }

  /** Lease length L, by the leader's clock from the renewing acknowledgment's arrival. */
  static final Duration LEASE = Duration.ofSeconds(2);
  /** Bound on the rate difference of two clocks (ρ): 1 %. */
  static final double DRIFT = 0.01;
  /** The client's safety margin ε, subtracted from its own expiry. */
  static final Duration MARGIN = Duration.ofMillis(5);

  /** How long a new leader holds every commit reply: leases its predecessor granted lapse by then. */
  static long newLeaderHoldNanos() {
    return (long) (LEASE.toNanos() * (1 + DRIFT)) + MARGIN.toNanos();
  }

  /** The client's expiry for a lease renewed by an acknowledgment it sent at {@code sentNanos}. */
  static long clientExpiry(long sentNanos, long leaseNanos) {
    return sentNanos + (long) (leaseNanos * (1 - DRIFT)) - MARGIN.toNanos();
  }

  private final LongSupplier nanoClock;
  private final long leaseNanos;
  private final Map<String, Lease> leases = new HashMap<>();
  private final List<Waiter> waiters = new ArrayList<>();

  LeaseTable(LongSupplier nanoClock, Duration lease) {
    this.nanoClock = Objects.requireNonNull(nanoClock, "nanoClock");
    if (lease.isNegative() || lease.isZero()) {
      throw new IllegalArgumentException("lease must be > 0, got " + lease);
    }
    this.leaseNanos = lease.toNanos();
  }

  /**
   * Grants (or renews) {@code session}'s lease, which has received everything up to
   * {@code received}; returns the leader's expiry (clock nanos). The client may serve reads from
   * its cache only once its feed has passed the revision the grant is answered with.
   */
  synchronized long grant(String session, long received) {
    Lease l = leases.computeIfAbsent(session, s -> new Lease());
    l.acked = Math.max(l.acked, received);
    l.expiresNanos = nanoClock.getAsLong() + leaseNanos;
    settle();
    return l.expiresNanos;
  }

  /**
   * {@code session} has received everything up to {@code revision}; renews its lease. An
   * acknowledgment from a session whose lease lapsed renews nothing (returns false): it must ask
   * for a new grant.
   */
  synchronized boolean ack(String session, long revision) {
    expire();
    Lease l = leases.get(session);
    if (l == null) {
      settle();
      return false;
    }
    l.acked = Math.max(l.acked, revision);
    l.expiresNanos = nanoClock.getAsLong() + leaseNanos;
    settle();
    return true;
  }

  /** The client gave its lease up (it stopped serving from its cache first). */
  synchronized void release(String session) {
    leases.remove(session);
    settle();
  }

  /**
   * Completes when every lease valid now has acknowledged {@code revision} or lapsed. Leases
   * granted later do not count: their holders catch up to a revision at least this before they
   * serve from their caches.
   */
  synchronized CompletableFuture<Void> awaitAcked(long revision) {
    return awaitAcked(revision, null);
  }

  /**
   * {@link #awaitAcked(long)}, not waiting for the leases whose session ids begin with
   * {@code committer} (null: waits for all): the committer's own sessions, whose clients do not
   * serve reads from their caches until their feed has delivered the revisions of their own
   * commits (docs/leases.md, "The committer's own lease").
   */
  synchronized CompletableFuture<Void> awaitAcked(long revision, String committer) {
    expire();
    List<String> behind = new ArrayList<>();
    for (Map.Entry<String, Lease> e : leases.entrySet()) {
      if (e.getValue().acked < revision && (committer == null || !e.getKey().startsWith(committer))) {
        behind.add(e.getKey());
      }
    }
    Waiter w = new Waiter(revision, behind);
    if (behind.isEmpty()) {
      w.done.complete(null);
    } else {
      waiters.add(w);
    }
    return w.done;
  }

  /** Lapses expired leases and releases the waiters that were waiting only for them (call on a timer). */
  synchronized void tick() {
    settle();
  }

  long leaseNanos() {
    return leaseNanos;
  }

  synchronized int holders() {
    expire();
    return leases.size();
  }

  private void expire() {
    long now = nanoClock.getAsLong();
    leases.values().removeIf(l -> now - l.expiresNanos >= 0);
  }

  private void settle() {
    expire();
    Iterator<Waiter> it = waiters.iterator();
    while (it.hasNext()) {
      Waiter w = it.next();
      w.holders.removeIf(s -> {
        Lease l = leases.get(s);
        return l == null || l.acked >= w.revision;
      });
      if (w.holders.isEmpty()) {
        it.remove();
        w.done.complete(null);
      }
    }
  }
}
