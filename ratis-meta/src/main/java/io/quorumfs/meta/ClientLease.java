package io.quorumfs.meta;

import java.util.Objects;
import java.util.TreeMap;
import java.util.function.LongSupplier;

/**
 * The client's side of one cache lease (docs/leases.md): the grant, when each acknowledgment was
 * sent, and until when the lease is valid by this client's monotonic clock, counted from the send
 * time of the newest confirmed acknowledgment less the drift margin ({@link LeaseTable#clientExpiry}).
 *
 * <p>The clock is checked, not trusted: a clock that jumps forward past the expiry ends the lease
 * at once; a clock that reads less than it did before starts a new timeline ({@link Clock}), and
 * the lease is lost until an acknowledgment sent on the new timeline is confirmed. Thread-safe.
 */
final class ClientLease {

  /**
   * An injected monotonic nanosecond source (System::nanoTime in production), watched for going
   * backwards: each step back starts a new timeline, and readings of two timelines are never
   * compared. Shared by the leases of one subscription. Thread-safe.
   */
  static final class Clock {
    private final LongSupplier nanos;
    private boolean read;
    private long last;
    private long timeline;

    Clock(LongSupplier nanos) {
      this.nanos = Objects.requireNonNull(nanos, "nanos");
    }

    /** A reading: the clock's value and the timeline it belongs to. */
    record Reading(long nanos, long timeline) {}

    synchronized Reading read() {
      long t = nanos.getAsLong();
      if (read && t - last < 0) {
        timeline++;
      }
      read = true;
      last = t;
      return new Reading(t, timeline);
    }

    long nanos() {
      return read().nanos();
    }
  }

  /** Valid before {@code untilNanos} on {@code timeline}. */
  private record Validity(long untilNanos, long timeline) {}

  private final Clock clock;
  private final TreeMap<Long, Clock.Reading> sentAt = new TreeMap<>();
  private long nextSeq = 1;
  private long leaseNanos;
  private volatile long grantRevision = -1;
  private volatile Validity valid;

  ClientLease(Clock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /**
   * The leader granted a lease of {@code nanos}, usable once the feed has delivered through
   * {@code revision}; it is valid only after an acknowledgment sent from now on is confirmed.
   */
  synchronized void granted(long revision, long nanos) {
    grantRevision = revision;
    leaseNanos = nanos;
    valid = null;
    sentAt.clear();
  }

  /** Records an acknowledgment about to be sent (before sending: the lease counts from no later); its seq. */
  synchronized long acknowledging() {
    long seq = nextSeq++;
    sentAt.put(seq, clock.read());
    while (sentAt.size() > 1024) {
      sentAt.pollFirstEntry();
    }
    return seq;
  }

  /**
   * The leader renewed the lease on acknowledgment {@code seq}: valid until its send time plus
   * the lease less the drift margin, if it was sent on the clock's current timeline.
   */
  synchronized void confirmed(long seq) {
    Clock.Reading sent = sentAt.get(seq);
    sentAt.headMap(seq, true).clear();
    if (sent == null || leaseNanos <= 0 || sent.timeline() != clock.read().timeline()) {
      return;
    }
    long until = LeaseTable.clientExpiry(sent.nanos(), leaseNanos);
    Validity v = valid;
    if (v == null || v.timeline() != sent.timeline() || until - v.untilNanos() > 0) {
      valid = new Validity(until, sent.timeline());
    }
  }

  /** The revision the feed must have delivered before the lease may be used; -1 before a grant. */
  long grantRevision() {
    return grantRevision;
  }

  /** True while the lease is valid by this client's clock (not counting the grant's revision). */
  boolean valid() {
    Validity v = valid;
    if (v == null) {
      return false;
    }
    Clock.Reading now = clock.read();
    return now.timeline() == v.timeline() && now.nanos() - v.untilNanos() < 0;
  }
}
