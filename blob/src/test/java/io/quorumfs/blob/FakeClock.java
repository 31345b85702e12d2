package io.quorumfs.blob;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A clock that moves only when told to (millisecond resolution). Thread-safe. */
public final class FakeClock extends Clock {
  private final AtomicLong millis;

  public FakeClock(Instant start) {
    this.millis = new AtomicLong(start.toEpochMilli());
  }

  public FakeClock() {
    this(Instant.parse("2026-01-01T00:00:00Z"));
  }

  public void advance(Duration d) {
    millis.addAndGet(d.toMillis());
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
  public long millis() {
    return millis.get();
  }

  @Override
  public Instant instant() {
    return Instant.ofEpochMilli(millis.get());
  }
}
