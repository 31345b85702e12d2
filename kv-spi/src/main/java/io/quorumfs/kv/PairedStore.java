package io.quorumfs.kv;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A write-back pair of stores: writes land in {@code fast} and are copied to {@code slow} in the
 * background; reads go to {@code fast} first and fall back to {@code slow}, filling {@code fast}.
 *
 * <h2>Durable outbox</h2>
 * Every commit also writes, in the same atomic fast-store commit, one outbox entry per written key
 * under the reserved prefix {@link #OUTBOX_PREFIX}: {@code OUTBOX_PREFIX + SHA-256(key) -> write
 * time (8-byte epoch millis) + key} (hashed so that an outbox key fits the key size limit
 * whatever the user key's length). So an acknowledged commit and its outbox entries are durable together
 * (as durable as the fast store: use a persistent one), and a restart finds every key still to be
 * copied. The outbox is keyed by user key, so repeated writes of one key coalesce into one entry
 * and the outbox never holds more entries than distinct pending keys.
 *
 * <p>A background thread pages through the outbox ({@link Options#pageSize} entries at a time,
 * so memory stays bounded whatever the backlog), reads each key's current fast state and the
 * outbox entry's version in one snapshot, writes the state (put or delete) to {@code slow}, then
 * removes the outbox entry only if its version is unchanged (a newer write keeps it). Failures of
 * {@code slow} are retried with exponential backoff ({@link Options#minBackoff} doubling up to
 * {@link Options#maxBackoff}). Each key reaches {@code slow} with its latest state; atomicity of
 * multi-key txns is not carried over to {@code slow}, and keys are copied in key order.
 *
 * <h2>Reads, versions and watch</h2>
 * Versions and revisions are the fast store's. A key missing in {@code fast} and without a pending
 * outbox entry (a pending entry means a delete not yet copied) is read from {@code slow} and filled
 * into {@code fast} by a commit that requires it still absent, so it gets a fast version. Before a
 * commit, keys it compares or adds to are filled the same way. Scans merge both stores and fill
 * the slow-only entries they return. {@link #watch} is the fast store's, without outbox keys.
 * This store assumes it is the only writer of {@code slow}.
 *
 * <p>Keys under {@link #OUTBOX_PREFIX} are refused with {@link IllegalArgumentException}. Closing
 * the paired store stops propagation and closes both stores. Thread-safe.
 */
public final class PairedStore implements KvStore {

  /** The reserved key prefix of the outbox in the fast store: {@code 0xFF 0x00 "paired.outbox/"}. */
  public static final byte[] OUTBOX_PREFIX = Bytes.concat(new byte[] {(byte) 0xFF, 0x00}, Bytes.utf8("paired.outbox/"));

  static final KeyRange OUTBOX = KeyRange.prefix(OUTBOX_PREFIX);

  /**
   * Propagation settings.
   *
   * @param pageSize outbox entries read and copied per step (memory bound)
   * @param minBackoff first retry delay after a failed copy to {@code slow}
   * @param maxBackoff the largest retry delay
   * @param clock source of outbox write times (for {@link #propagationLag()})
   */
  public record Options(int pageSize, Duration minBackoff, Duration maxBackoff, Clock clock) {
    public Options {
      if (pageSize < 1) {
        throw new IllegalArgumentException("pageSize must be >= 1, got " + pageSize);
      }
      Objects.requireNonNull(minBackoff, "minBackoff");
      Objects.requireNonNull(maxBackoff, "maxBackoff");
      Objects.requireNonNull(clock, "clock");
      if (minBackoff.isNegative() || maxBackoff.compareTo(minBackoff) < 0) {
        throw new IllegalArgumentException("need 0 <= minBackoff <= maxBackoff, got " + minBackoff + ", " + maxBackoff);
      }
    }

    public static Options defaults() {
      return new Options(128, Duration.ofMillis(50), Duration.ofSeconds(10), Clock.systemUTC());
    }
  }

  private final KvStore fast;
  private final KvStore slow;
  private final Options options;
  private final Propagator propagator;
  private volatile boolean closed;

  /** Pairs two stores with {@link Options#defaults()}; propagation (and outbox recovery) starts now. */
  public PairedStore(KvStore fast, KvStore slow) {
    this(fast, slow, Options.defaults());
  }

  public PairedStore(KvStore fast, KvStore slow, Options options) {
    this.fast = Objects.requireNonNull(fast, "fast");
    this.slow = Objects.requireNonNull(slow, "slow");
    this.options = Objects.requireNonNull(options, "options");
    this.propagator = new Propagator(fast, slow, options);
    propagator.start();
  }

  private static final ThreadLocal<java.security.MessageDigest> SHA256 = ThreadLocal.withInitial(() -> {
    try {
      return java.security.MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from this JVM", e);
    }
  });

  static byte[] outboxKey(byte[] key) {
    return Bytes.concat(OUTBOX_PREFIX, SHA256.get().digest(key));
  }

  /** The user key an outbox entry stands for. */
  static byte[] userKeyOf(byte[] outboxValue) {
    return java.util.Arrays.copyOfRange(outboxValue, 8, outboxValue.length);
  }

  /** The write time (epoch millis) of an outbox entry. */
  static long writeTimeOf(byte[] outboxValue) {
    return Bytes.toLong(java.util.Arrays.copyOf(outboxValue, 8));
  }

  static void checkUserKey(byte[] key) {
    Txn.checkKey(key);
    if (Bytes.startsWith(key, OUTBOX_PREFIX)) {
      throw new IllegalArgumentException("key " + Bytes.show(key) + " is in the PairedStore outbox range, reserved");
    }
  }

  @Override
  public Versioned get(byte[] key) {
    checkUserKey(key);
    checkOpen();
    return getAll(List.of(key)).get(0);
  }

  @Override
  public List<Versioned> getAll(List<byte[]> keys) {
    keys.forEach(PairedStore::checkUserKey);
    checkOpen();
    List<byte[]> probe = new ArrayList<>(keys.size() * 2);
    probe.addAll(keys);
    for (byte[] k : keys) {
      probe.add(outboxKey(k));
    }
    List<Versioned> got = fast.getAll(probe);
    List<Versioned> out = new ArrayList<>(got.subList(0, keys.size()));
    List<Integer> missing = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      if (!out.get(i).exists() && !got.get(keys.size() + i).exists()) {
        missing.add(i);
      }
    }
    if (missing.isEmpty()) {
      return out;
    }
    List<byte[]> slowKeys = new ArrayList<>(missing.size());
    missing.forEach(i -> slowKeys.add(keys.get(i)));
    List<Versioned> fromSlow = slow.getAll(slowKeys);
    for (int j = 0; j < missing.size(); j++) {
      if (fromSlow.get(j).exists()) {
        out.set(missing.get(j), fill(fromSlow.get(j)));
      }
    }
    return out;
  }

  /** Copies a slow-store entry into the fast store (unless fast got the key meanwhile) and returns fast's state. */
  Versioned fill(Versioned fromSlow) {
    byte[] key = fromSlow.key();
    CommitResult r = fast.commit(Txn.builder().requireAbsent(key).requireAbsent(outboxKey(key))
        .put(key, fromSlow.value()).build());
    if (r.ok()) {
      return new Versioned(key, fromSlow.value(), r.revision());
    }
    return fast.get(key);
  }

  @Override
  public ScanPage scan(KeyRange range, int limit, byte[] after) {
    Objects.requireNonNull(range, "range");
    if (limit <= 0) {
      throw new IllegalArgumentException("scan limit must be > 0, got " + limit);
    }
    checkOpen();
    return new PairedScan(this, fast, slow).page(range, limit, after);
  }

  @Override
  public CommitResult commit(Txn txn) {
    Objects.requireNonNull(txn, "txn");
    checkOpen();
    Set<Key> load = new LinkedHashSet<>();
    Map<Key, byte[]> written = new LinkedHashMap<>();
    for (Compare c : txn.compares()) {
      checkUserKey(c.key());
      load.add(new Key(c.key()));
    }
    for (Op op : txn.ops()) {
      checkUserKey(op.key());
      if (op instanceof Op.Add || op instanceof Op.Max) {
        load.add(new Key(op.key()));
      }
      written.put(new Key(op.key()), op.key());
    }
    if (!load.isEmpty()) {
      List<byte[]> keys = new ArrayList<>(load.size());
      load.forEach(k -> keys.add(k.b()));
      getAll(keys);
    }
    Txn.Builder b = Txn.builder();
    txn.compares().forEach(c -> b.requireVersion(c.key(), c.version()));
    txn.ops().forEach(b::op);
    byte[] stamp = Bytes.ofLong(options.clock().millis());
    for (byte[] k : written.values()) {
      b.put(outboxKey(k), Bytes.concat(stamp, k));
    }
    CommitResult r = fast.commit(b.build());
    if (!r.ok()) {
      return r;
    }
    propagator.wake();
    return CommitResult.ok(r.revision(), r.opResults().subList(0, txn.ops().size()));
  }

  @Override
  public long revision() {
    checkOpen();
    return fast.revision();
  }

  @Override
  public Watch watch(long fromRevision, WatchListener listener) {
    Objects.requireNonNull(listener, "listener");
    checkOpen();
    return fast.watch(fromRevision, new WatchListener() {
      @Override
      public void onEvent(ChangeEvent event) {
        List<Change> user = new ArrayList<>(event.changes().size());
        for (Change c : event.changes()) {
          if (!Bytes.startsWith(c.key(), OUTBOX_PREFIX)) {
            user.add(c);
          }
        }
        if (!user.isEmpty()) {
          listener.onEvent(user.size() == event.changes().size() ? event : new ChangeEvent(event.revision(), user));
        }
      }

      @Override
      public void onResync(long revision) {
        listener.onResync(revision);
      }

      @Override
      public void onProgress(long revision) {
        listener.onProgress(revision);
      }

      @Override
      public void onClose(Throwable cause) {
        listener.onClose(cause);
      }
    });
  }

  @Override
  public int maxWatchValueBytes() {
    return fast.maxWatchValueBytes();
  }

  /** Half the fast store's limit: every written key also writes its outbox entry. */
  @Override
  public int maxTxnSize() {
    return Math.min(fast.maxTxnSize() / 2, slow.maxTxnSize());
  }

  @Override
  public Set<Capability> capabilities() {
    Set<Capability> out = EnumSet.noneOf(Capability.class);
    Set<Capability> f = fast.capabilities();
    Set<Capability> s = slow.capabilities();
    for (Capability c : List.of(Capability.PERSISTENT, Capability.LARGE_VALUES)) {
      if (f.contains(c) && s.contains(c)) {
        out.add(c);
      }
    }
    for (Capability c : List.of(Capability.WATCH_HISTORY, Capability.CONFIGURABLE_HISTORY, Capability.IDEMPOTENT_COMMIT)) {
      if (f.contains(c)) {
        out.add(c);
      }
    }
    return out;
  }

  /** Keys written but not yet copied to {@code slow}. Counts the outbox page by page (O(backlog) time, bounded memory). */
  public long backlog() {
    checkOpen();
    return propagator.stats().backlog();
  }

  /** How long the oldest write not yet copied to {@code slow} has waited; zero when the backlog is empty. */
  public Duration propagationLag() {
    checkOpen();
    return propagator.stats().lag();
  }

  /** The last error copying to {@code slow}, or null after a success. */
  public Throwable lastPropagationError() {
    return propagator.lastError();
  }

  /**
   * Waits until the outbox is empty (everything written so far reached {@code slow}), at most
   * {@code timeout}. Returns whether it drained.
   */
  public boolean awaitPropagated(Duration timeout) throws InterruptedException {
    checkOpen();
    return propagator.awaitDrained(timeout);
  }

  /**
   * Drops {@code key} from the fast store if it has no pending outbox entry (it is in {@code slow});
   * returns whether it was dropped. The bounded-cache hook: the next read fills it again.
   */
  public boolean evict(byte[] key) {
    checkUserKey(key);
    checkOpen();
    Versioned v = fast.get(key);
    if (!v.exists()) {
      return false;
    }
    return fast.commit(Txn.builder().requireAbsent(outboxKey(key)).requireUnchanged(v).delete(key).build()).ok();
  }

  /** Stops propagation (pending entries stay in the outbox for the next open) and closes both stores. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    propagator.stop();
    try {
      fast.close();
    } finally {
      slow.close();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new KvClosedException("PairedStore(" + fast + ", " + slow + ") is closed");
    }
  }

  @Override
  public String toString() {
    return "PairedStore(" + fast + " -> " + slow + ")";
  }

  /** A byte[] with value equality. */
  record Key(byte[] b) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && java.util.Arrays.equals(b, k.b);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(b);
    }
  }
}
