package io.quorumfs.meta;

import io.quorumfs.kv.ChangeEvent;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A replica's recent applied changes, bounded by event count and bytes, serving the change feed:
 * "every event after revision r", answered at once or after waiting up to a deadline for one.
 * Thread-safe.
 */
final class ChangeRing {

  /** An answer to a poll: events after the asked revision, or a resync to {@code resyncTo}. */
  record Poll(List<ChangeEvent> events, long resyncTo, long head) {
    boolean resync() {
      return resyncTo >= 0;
    }
  }

  private record Waiter(long after, int max, CompletableFuture<Poll> future) {}

  private final int maxEvents;
  private final long maxBytes;
  private final ArrayDeque<ChangeEvent> events = new ArrayDeque<>();
  private final ArrayDeque<Integer> sizes = new ArrayDeque<>();
  private final List<Waiter> waiters = new ArrayList<>();
  private long bytes;
  /** Every revision {@code <= floor} is no longer (or never was) in the ring. */
  private long floor;
  /** The newest revision applied. */
  private long head;

  ChangeRing(int maxEvents, long maxBytes) {
    this.maxEvents = maxEvents;
    this.maxBytes = maxBytes;
  }

  /** Forgets everything: the replica's state now starts at {@code revision} (start, snapshot install). */
  synchronized void reset(long revision) {
    events.clear();
    sizes.clear();
    bytes = 0;
    floor = revision;
    head = revision;
  }

  /** After a reset entry: no data, so no history is missing: every revision after 0 is "served". */
  synchronized void forgetHistory(long newHead) {
    events.clear();
    sizes.clear();
    bytes = 0;
    floor = 0;
    head = newHead;
  }

  /** Appends one entry's events (in revision order) and wakes the polls they answer. */
  void append(List<ChangeEvent> added, long newHead) {
    List<Waiter> ready = new ArrayList<>();
    List<Poll> answers = new ArrayList<>();
    synchronized (this) {
      for (ChangeEvent e : added) {
        int size = Wire.encodedSize(e);
        events.addLast(e);
        sizes.addLast(size);
        bytes += size;
      }
      head = Math.max(head, newHead);
      while (!events.isEmpty() && (events.size() > maxEvents || bytes > maxBytes)) {
        floor = events.removeFirst().revision();
        bytes -= sizes.removeFirst();
      }
      if (!added.isEmpty()) {
        for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
          Waiter w = it.next();
          if (head > w.after) {
            it.remove();
            ready.add(w);
            answers.add(pollLocked(w.after, w.max));
          }
        }
      }
    }
    for (int i = 0; i < ready.size(); i++) {
      ready.get(i).future.complete(answers.get(i));
    }
  }

  synchronized long head() {
    return head;
  }

  synchronized long floor() {
    return floor;
  }

  /** Answers at once: events after {@code after} (possibly none), or a resync. */
  synchronized Poll poll(long after, int max) {
    return pollLocked(after, max);
  }

  private Poll pollLocked(long after, int max) {
    if (after < floor) {
      return new Poll(List.of(), head, head);
    }
    if (after >= head) {
      return new Poll(List.of(), -1, head);
    }
    List<ChangeEvent> out = new ArrayList<>();
    Iterator<ChangeEvent> back = events.descendingIterator();
    while (back.hasNext()) {
      ChangeEvent e = back.next();
      if (e.revision() <= after) {
        break;
      }
      out.add(e);
    }
    Collections.reverse(out);
    return new Poll(out.size() > max ? new ArrayList<>(out.subList(0, max)) : out, -1, head);
  }

  /** Answers when there is something after {@code after}, or with no events after {@code waitMillis}. */
  CompletableFuture<Poll> await(long after, int max, long waitMillis, ScheduledExecutorService timer) {
    CompletableFuture<Poll> f = new CompletableFuture<>();
    Waiter w = new Waiter(after, max, f);
    synchronized (this) {
      Poll now = pollLocked(after, max);
      if (now.resync() || !now.events().isEmpty() || waitMillis <= 0) {
        return CompletableFuture.completedFuture(now);
      }
      waiters.add(w);
    }
    timer.schedule(() -> {
      Poll p;
      synchronized (this) {
        if (!waiters.remove(w)) {
          return;
        }
        p = pollLocked(after, max);
      }
      f.complete(p);
    }, waitMillis, TimeUnit.MILLISECONDS);
    return f;
  }

  /** Ends every pending poll (on close or snapshot install): each gets its current answer. */
  void wakeAll() {
    List<Waiter> all;
    List<Poll> answers = new ArrayList<>();
    synchronized (this) {
      all = new ArrayList<>(waiters);
      waiters.clear();
      for (Waiter w : all) {
        answers.add(pollLocked(w.after, w.max));
      }
    }
    for (int i = 0; i < all.size(); i++) {
      all.get(i).future.complete(answers.get(i));
    }
  }
}
