package io.quorumfs.kv.rocks;

import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * One watch subscription of a {@link RocksKvStore}: a daemon thread that reads the persisted change
 * history after the last delivered revision and hands events to the listener one at a time. A
 * commit wakes it; it parks otherwise.
 */
final class RocksWatch implements Watch, Runnable {

  /** Events read in one go, or {@code gap}: the history no longer reaches the requested revision. */
  record Batch(List<ChangeEvent> events, boolean gap) {}

  private static final int BATCH = 64;
  private static final long IDLE_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private final RocksKvStore store;
  private final WatchListener listener;
  private final Thread thread;
  private final long from;
  private volatile boolean stopped;

  RocksWatch(RocksKvStore store, long from, WatchListener listener) {
    this.store = store;
    this.from = from;
    this.listener = listener;
    this.thread = new Thread(this, "rocks-watch");
    this.thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  void wake() {
    LockSupport.unpark(thread);
  }

  @Override
  public void run() {
    Throwable cause = null;
    long delivered = from;
    long progressSent = from;
    try {
      while (!stopped && !store.isClosed()) {
        long head = store.headRevision();
        if (head > delivered) {
          Batch b = store.readChanges(delivered, BATCH);
          if (b == null) {
            break;
          }
          if (b.gap()) {
            delivered = head;
            listener.onResync(head);
            continue;
          }
          for (ChangeEvent e : b.events()) {
            if (stopped) {
              break;
            }
            listener.onEvent(e);
            delivered = e.revision();
          }
          continue;
        }
        if (progressSent < head) {
          progressSent = head;
          listener.onProgress(head);
          continue;
        }
        LockSupport.parkNanos(this, IDLE_PARK_NANOS);
      }
    } catch (RuntimeException | Error e) {
      cause = e;
    } finally {
      store.removeWatch(this);
    }
    listener.onClose(cause);
  }

  @Override
  public void close() {
    stopped = true;
    wake();
  }
}
