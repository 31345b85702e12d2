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
  // Allocated on first use: most operations (getattr, lookup) only read.
  private Map<Key, Long> compares;
  private List<Op> ops;

  Tx(MetaCache cache, int attempt) {
    this.cache = cache;
    this.attempt = attempt;
  }

  /**
   * On the first attempt, the cached state of {@code key} or null if it is not cached (the caller
   * then assumes what it expects and lets the compare check it, saving a round trip); on later
   * attempts a real read.
   */
  Versioned getOptimistic(byte[] key) {
    return attempt == 1 ? cache.peek(key) : cache.get(key);
  }

  Versioned get(byte[] key) {
    return cache.get(key);
  }

  List<Versioned> getAll(List<byte[]> keys) {
    return cache.getAll(keys);
  }

  /** Reads {@code key} and requires it unchanged at commit. */
  Versioned read(byte[] key) {
    Versioned v = cache.get(key);
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
