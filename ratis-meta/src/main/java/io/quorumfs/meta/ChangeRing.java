package io.quorumfs.meta;

import io.quorumfs.kv.Change;
import io.quorumfs.kv.ChangeEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A replica's recent applied changes, bounded by event count and by heap bytes ({@link #heapSize}:
 * keys, values and object overhead), serving the change feed:
 * "the events after revision r". Readers are told of every change (append, reset) through
 * listeners registered with {@link #addListener}; they then {@link #poll}. Thread-safe.
 *
 * <p>A circular array in revision order: {@link #poll} finds its start by binary search, so a
 * subscriber far behind costs no more than one that is caught up.
 */
final class ChangeRing {

  /** An answer to a poll: events after the asked revision, or a resync to {@code resyncTo}. */
  record Poll(List<ChangeEvent> events, long resyncTo, long head) {
    boolean resync() {
      return resyncTo >= 0;
    }
  }

  /** A ChangeEvent, its List.copyOf and the list's array slot, roughly (compressed oops). */
  static final int EVENT_OVERHEAD = 64;
  /** A Change record and the headers of its key and value arrays, roughly. */
  static final int CHANGE_OVERHEAD = 64;

  private final int maxEvents;
  private final long maxBytes;
  private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
  private ChangeEvent[] events = new ChangeEvent[64];
  private int[] sizes = new int[64];
  private int first;
  private int count;
  private long bytes;
  /** Every revision {@code <= floor} is no longer (or never was) in the ring. */
  private long floor;
  /** The newest revision applied. */
  private long head;

  ChangeRing(int maxEvents, long maxBytes) {
    this.maxEvents = maxEvents;
    this.maxBytes = maxBytes;
  }

  /** Calls {@code l} (on the applying thread: it must be quick) after every change of the ring. */
  void addListener(Runnable l) {
    listeners.add(l);
  }

  void removeListener(Runnable l) {
    listeners.remove(l);
  }

  /** Forgets everything: the replica's state now starts at {@code revision} (start, snapshot install). */
  void reset(long revision) {
    synchronized (this) {
      clear();
      floor = revision;
      head = revision;
    }
    notifyListeners();
  }

  /** After a reset entry: no data, so no history is missing: every revision after 0 is "served". */
  void forgetHistory(long newHead) {
    synchronized (this) {
      clear();
      floor = 0;
      head = newHead;
    }
    notifyListeners();
  }

  private void clear() {
    java.util.Arrays.fill(events, null);
    first = 0;
    count = 0;
    bytes = 0;
  }

  /** Appends one entry's events (in revision order) and tells the listeners. */
  void append(List<ChangeEvent> added, long newHead) {
    synchronized (this) {
      for (ChangeEvent e : added) {
        if (count == events.length) {
          grow();
        }
        int size = heapSize(e);
        int at = (first + count) % events.length;
        events[at] = e;
        sizes[at] = size;
        count++;
        bytes += size;
      }
      head = Math.max(head, newHead);
      while (count > 0 && (count > maxEvents || bytes > maxBytes)) {
        floor = events[first].revision();
        bytes -= sizes[first];
        events[first] = null;
        first = (first + 1) % events.length;
        count--;
      }
    }
    if (!added.isEmpty()) {
      notifyListeners();
    }
  }

  /**
   * What an event holds in the heap, estimated: its keys and values plus object overhead (the
   * event, its list, each change and its arrays). The ring's byte bound counts this.
   */
  static int heapSize(ChangeEvent e) {
    long n = EVENT_OVERHEAD;
    for (Change c : e.changes()) {
      n += CHANGE_OVERHEAD + c.key().length + (c.value() == null ? 0 : c.value().length);
    }
    return (int) Math.min(Integer.MAX_VALUE, n);
  }

  private void grow() {
    int n = events.length * 2;
    ChangeEvent[] e = new ChangeEvent[n];
    int[] s = new int[n];
    for (int i = 0; i < count; i++) {
      e[i] = events[(first + i) % events.length];
      s[i] = sizes[(first + i) % events.length];
    }
    events = e;
    sizes = s;
    first = 0;
  }

  /** Wakes the listeners without a change (on close), so they re-check their state. */
  void notifyListeners() {
    for (Runnable l : listeners) {
      l.run();
    }
  }

  /** Heap bytes of the events held ({@link #heapSize}), never above the bound after an append. */
  synchronized long bytes() {
    return bytes;
  }

  synchronized int size() {
    return count;
  }

  synchronized long head() {
    return head;
  }

  synchronized long floor() {
    return floor;
  }

  /** Answers at once: up to {@code max} events after {@code after} (possibly none), or a resync. */
  synchronized Poll poll(long after, int max) {
    if (after < floor) {
      return new Poll(List.of(), head, head);
    }
    if (after >= head) {
      return new Poll(List.of(), -1, head);
    }
    // The first event with revision > after.
    int lo = 0;
    int hi = count;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (events[(first + mid) % events.length].revision() <= after) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    int n = Math.min(max, count - lo);
    List<ChangeEvent> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(events[(first + lo + i) % events.length]);
    }
    return new Poll(out, -1, head);
  }
}
