package io.quorumfs.kv;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/**
 * Hooks and helpers shared by the parts of {@link KvStoreContract}. A backend test extends
 * {@link KvStoreContract}, never this class directly.
 */
public abstract class KvContractSupport {

  /** The store under test, fresh and empty for every test. */
  protected KvStore store;
  private final List<KvStore> extraStores = new ArrayList<>();

  /** A fresh, empty store; the suite closes it after the test. */
  protected abstract KvStore newStore();

  /**
   * Closes {@code store} and opens the same data again. Called only when the store declares
   * {@link Capability#PERSISTENT}.
   */
  protected KvStore reopen(KvStore store) {
    throw new UnsupportedOperationException(
        "the store declares PERSISTENT but the test does not override reopen(KvStore)");
  }

  /**
   * A fresh, empty store whose watch history keeps only about {@code commits} recent commits.
   * Called only when the store declares {@link Capability#CONFIGURABLE_HISTORY}.
   */
  protected KvStore newStoreWithHistory(int commits) {
    throw new UnsupportedOperationException(
        "the store declares CONFIGURABLE_HISTORY but the test does not override newStoreWithHistory(int)");
  }

  /** How long a test waits for something asynchronous (a watch event) before failing. */
  protected Duration timeout() {
    return Duration.ofSeconds(30);
  }

  @BeforeEach
  void openStore() {
    store = newStore();
  }

  @AfterEach
  void closeStores() {
    for (KvStore s : extraStores) {
      s.close();
    }
    extraStores.clear();
    if (store != null) {
      store.close();
    }
  }

  /** Registers a store opened by a test so that it is closed after it. */
  protected KvStore track(KvStore s) {
    extraStores.add(s);
    return s;
  }

  protected boolean has(Capability c) {
    return store.capabilities().contains(c);
  }

  /** The number of puts per txn when a test loads many keys. */
  protected int bulkBatch() {
    return Math.max(1, Math.min(500, store.maxTxnSize()));
  }

  static byte[] k(String s) {
    return Bytes.utf8(s);
  }

  static byte[] v(String s) {
    return Bytes.utf8(s);
  }

  static String str(byte[] b) {
    return b == null ? null : new String(b, java.nio.charset.StandardCharsets.UTF_8);
  }

  /** Puts one key in its own txn and returns the commit revision. */
  static long put(KvStore s, byte[] key, byte[] value) {
    CommitResult r = s.commit(Txn.builder().put(key, value).build());
    assertTrue(r.ok(), "unconditional put must commit");
    return r.revision();
  }

  static long put(KvStore s, String key, String value) {
    return put(s, k(key), v(value));
  }

  static long delete(KvStore s, byte[] key) {
    CommitResult r = s.commit(Txn.builder().delete(key).build());
    assertTrue(r.ok(), "unconditional delete must commit");
    return r.revision();
  }

  static CommitResult commitOk(KvStore s, Txn txn) {
    CommitResult r = s.commit(txn);
    assertTrue(r.ok(), () -> "expected commit to succeed, failed compares: " + r.failed());
    return r;
  }

  /** Loads {@code keys} (each with value = key) in batched txns. */
  void bulkPut(KvStore s, List<byte[]> keys) {
    int batch = bulkBatch();
    for (int i = 0; i < keys.size(); i += batch) {
      Txn.Builder b = Txn.builder();
      for (int j = i; j < Math.min(keys.size(), i + batch); j++) {
        b.put(keys.get(j), keys.get(j));
      }
      commitOk(s, b.build());
    }
  }

  /** Every entry of {@code range}, read in pages of {@code page}. */
  static List<Versioned> scanAll(KvStore s, KeyRange range, int page) {
    List<Versioned> out = new ArrayList<>();
    byte[] after = null;
    while (true) {
      ScanPage p = s.scan(range, page, after);
      out.addAll(p.entries());
      assertTrue(p.entries().size() <= page, "a page holds at most limit entries");
      if (!p.more() || p.entries().isEmpty()) {
        return out;
      }
      after = p.next();
    }
  }

  /** Records everything a watch listener receives; tests wait on it with a deadline. */
  final class Recorder implements WatchListener {
    final List<ChangeEvent> events = new ArrayList<>();
    final List<Long> resyncs = new ArrayList<>();
    final List<Long> progress = new ArrayList<>();
    final List<String> order = new ArrayList<>();
    Throwable closeCause;
    boolean closed;
    boolean concurrentCall;
    private boolean inCall;
    private final Predicate<ChangeEvent> throwOn;

    Recorder() {
      this(e -> false);
    }

    Recorder(Predicate<ChangeEvent> throwOn) {
      this.throwOn = throwOn;
    }

    @Override
    public void onEvent(ChangeEvent event) {
      enter();
      try {
        synchronized (this) {
          events.add(event);
          order.add("event " + event.revision());
          notifyAll();
        }
        if (throwOn.test(event)) {
          throw new IllegalStateException("listener fails on revision " + event.revision());
        }
      } finally {
        leave();
      }
    }

    @Override
    public void onResync(long revision) {
      enter();
      synchronized (this) {
        resyncs.add(revision);
        order.add("resync " + revision);
        notifyAll();
      }
      leave();
    }

    @Override
    public void onProgress(long revision) {
      enter();
      synchronized (this) {
        progress.add(revision);
        notifyAll();
      }
      leave();
    }

    @Override
    public synchronized void onClose(Throwable cause) {
      closed = true;
      closeCause = cause;
      order.add("close");
      notifyAll();
    }

    private synchronized void enter() {
      if (inCall || closed) {
        concurrentCall = true;
      }
      inCall = true;
    }

    private synchronized void leave() {
      inCall = false;
    }

    synchronized List<ChangeEvent> events() {
      return new ArrayList<>(events);
    }

    /** The highest event revision received, 0 if none. */
    synchronized long lastRevision() {
      return events.isEmpty() ? 0 : events.get(events.size() - 1).revision();
    }

    /** Waits until {@code condition} holds on this recorder, or fails naming {@code what}. */
    synchronized void await(Predicate<Recorder> condition, String what) {
      long deadline = System.nanoTime() + timeout().toNanos();
      while (!condition.test(this)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          fail("timed out after " + timeout() + " waiting for " + what + "; received " + order);
        }
        try {
          wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          fail("interrupted waiting for " + what);
        }
      }
    }

    void awaitRevision(long revision) {
      await(r -> r.lastRevision() >= revision, "an event with revision >= " + revision);
    }
  }
}
