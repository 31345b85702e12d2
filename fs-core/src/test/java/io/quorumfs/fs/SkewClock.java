package io.quorumfs.fs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** The system clock plus an offset that tests move forward (to expire sessions, pass graces). */
public final class SkewClock extends Clock {
  private final AtomicLong offsetNanos = new AtomicLong();

  public void advance(Duration d) {
    offsetNanos.addAndGet(d.toNanos());
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    return this;
  }

  @Override
  public Instant instant() {
    return Instant.now().plusNanos(offsetNanos.get());
  }
}
