package io.quorumfs.fs;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.Op;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One attempt of a file-system operation: reads (through the cache) and the txn they lead to.
 * Compares are added explicitly for every read the decision depends on.
 */
final class Tx {
  private final MetaCache cache;
  private final int attempt;
  /** This client's delegated operations not yet committed (reads see them), or null. */
  private final Delegations delegs;
  /** A delegated operation: applied to the overlay and queued, never committed by itself. */
  private final boolean local;
  private boolean readPending;
  private int holds;
  private java.util.concurrent.locks.ReentrantLock held;
  // Allocated on first use: most operations (getattr, lookup) only read.
  private Map<Key, Long> compares;
  private List<Op> ops;

  Tx(MetaCache cache, int attempt) {
    this(cache, attempt, null, false);
  }

  Tx(MetaCache cache, int attempt, Delegations delegs) {
    this(cache, attempt, delegs, false);
  }

  private Tx(MetaCache cache, int attempt, Delegations delegs, boolean local) {
    this.cache = cache;
    this.attempt = attempt;
    this.delegs = delegs;
    this.local = local;
  }

  /** A delegated operation's attempt: definitive reads (never optimistic), through the overlay. */
  static Tx local(MetaCache cache, Delegations delegs) {
    return new Tx(cache, 2, delegs, true);
  }

  boolean isLocal() {
    return local;
  }

  /** True if a read returned a value still pending in this client's delegation pipeline. */
  boolean readPending() {
    return readPending;
  }

  /** Holds {@code lock} until {@link #release} (the end of this attempt's commit). */
  void hold(java.util.concurrent.locks.ReentrantLock lock) {
    lock.lock();
    held = lock;
    holds++;
  }

  void release() {
    for (; holds > 0; holds--) {
      held.unlock();
    }
  }

  private Versioned pending(byte[] key) {
    if (delegs == null) {
      return null;
    }
    Versioned p = delegs.pending(key);
    if (p != null) {
      readPending = true;
    }
    return p;
  }

  /**
   * On the first attempt, the cached state of {@code key} or null if it is not cached (the caller
   * then assumes what it expects and lets the compare check it, saving a round trip); on later
   * attempts a real read.
   */
  Versioned getOptimistic(byte[] key) {
    Versioned p = pending(key);
    if (p != null) {
      return p;
    }
    return attempt == 1 ? cache.peek(key) : cache.get(key);
  }

  Versioned get(byte[] key) {
    Versioned p = pending(key);
    return p != null ? p : cache.get(key);
  }

  List<Versioned> getAll(List<byte[]> keys) {
    if (delegs == null) {
      return cache.getAll(keys);
    }
    Versioned[] out = new Versioned[keys.size()];
    List<byte[]> rest = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      out[i] = pending(keys.get(i));
      if (out[i] == null) {
        rest.add(keys.get(i));
      }
    }
    if (rest.size() == keys.size()) {
      return cache.getAll(keys);
    }
    List<Versioned> got = rest.isEmpty() ? List.of() : cache.getAll(rest);
    for (int i = 0, j = 0; i < out.length; i++) {
      if (out[i] == null) {
        out[i] = got.get(j++);
      }
    }
    return java.util.Arrays.asList(out);
  }

  /** Reads {@code key} and requires it unchanged at commit. */
  Versioned read(byte[] key) {
    Versioned v = get(key);
    require(v);
    return v;
  }

  void require(Versioned v) {
    requireVersion(v.key(), v.version());
  }

  void requireVersion(byte[] key, long version) {
    if (compares == null) {
      compares = new LinkedHashMap<>();
    }
    compares.put(new Key(key), version);
  }

  void requireAbsent(byte[] key) {
    requireVersion(key, 0L);
  }

  private void op(Op op) {
    if (ops == null) {
      ops = new ArrayList<>(8);
    }
    ops.add(op);
  }

  void put(byte[] key, byte[] value) {
    op(new Op.Put(key, value));
  }

  void delete(byte[] key) {
    op(new Op.Delete(key));
  }

  void add(byte[] key, long delta) {
    op(new Op.Add(key, delta));
  }

  void max(byte[] key, long value) {
    op(new Op.Max(key, value));
  }

  List<Op> ops() {
    return ops == null ? List.of() : ops;
  }

  List<io.quorumfs.kv.Compare> compares() {
    List<io.quorumfs.kv.Compare> out = new ArrayList<>();
    if (compares != null) {
      compares.forEach((key, v) -> out.add(new io.quorumfs.kv.Compare(key.bytes, v)));
    }
    return out;
  }

  boolean hasWrites() {
    return ops != null && !ops.isEmpty();
  }

  int size() {
    return (ops == null ? 0 : ops.size()) + (compares == null ? 0 : compares.size());
  }

  Txn build() {
    Txn.Builder b = Txn.builder();
    if (compares != null) {
      compares.forEach((k, v) -> b.requireVersion(k.bytes, v));
    }
    ops.forEach(b::op);
    return b.build();
  }

  /** Puts the effect of this txn, committed as {@code r}, into the cache. */
  void applyTo(MetaCache c, CommitResult r) {
    applyOps(c, ops, r);
  }

  /** Puts the effect of {@code ops}, committed as {@code r}, into the cache. */
  static void applyOps(MetaCache c, List<Op> ops, CommitResult r) {
    int n = ops.size();
    List<byte[]> keys = new ArrayList<>(n);
    List<byte[]> values = new ArrayList<>(n);
    Map<Key, Integer> lastIndex = null;
    if (n > 16) { // big batches: a map instead of the pairwise scan
      lastIndex = new java.util.HashMap<>(n * 2);
      for (int i = 0; i < n; i++) {
        lastIndex.put(new Key(ops.get(i).key()), i);
      }
    }
    for (int i = 0; i < n; i++) {
      Op op = ops.get(i);
      if (lastIndex != null ? lastIndex.get(new Key(op.key())) != i : laterOpOnSameKey(ops, i)) {
        continue; // only a key's last value in the txn is ever visible
      }
      byte[] v;
      if (op instanceof Op.Put) {
        v = ((Op.Put) op).value();
      } else if (op instanceof Op.Delete) {
        v = null;
      } else {
        v = Bytes.ofLong(r.opResult(i));
      }
      keys.add(op.key());
      values.add(v);
    }
    c.applyOwn(r.revision(), keys, values);
  }

  private static boolean laterOpOnSameKey(List<Op> ops, int i) {
    byte[] key = ops.get(i).key();
    for (int j = i + 1; j < ops.size(); j++) {
      if (Arrays.equals(key, ops.get(j).key())) {
        return true;
      }
    }
    return false;
  }
}
