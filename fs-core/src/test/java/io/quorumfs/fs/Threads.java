package io.quorumfs.fs;

/** Thread states tests wait for (with {@link io.quorumfs.kv.Poll#until}). */
final class Threads {
  private Threads() {}

  /** True if {@code t} is parked or blocked on a monitor: it reached a wait and went no further. */
  static boolean waiting(Thread t) {
    Thread.State s = t == null ? Thread.State.NEW : t.getState();
    return s == Thread.State.BLOCKED || s == Thread.State.WAITING || s == Thread.State.TIMED_WAITING;
  }
}
