package io.quorumfs.fs;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.Op;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.util.ArrayList;
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
  private final Map<Key, Long> compares = new LinkedHashMap<>();
  private final List<Op> ops = new ArrayList<>();

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
    compares.put(new Key(v.key()), v.version());
  }

  void requireVersion(byte[] key, long version) {
    compares.put(new Key(key), version);
  }

  void requireAbsent(byte[] key) {
    compares.put(new Key(key), 0L);
  }

  void put(byte[] key, byte[] value) {
    ops.add(new Op.Put(key, value));
  }

  void delete(byte[] key) {
    ops.add(new Op.Delete(key));
  }

  void add(byte[] key, long delta) {
    ops.add(new Op.Add(key, delta));
  }

  void max(byte[] key, long value) {
    ops.add(new Op.Max(key, value));
  }

  boolean hasWrites() {
    return !ops.isEmpty();
  }

  int size() {
    return ops.size() + compares.size();
  }

  Txn build() {
    Txn.Builder b = Txn.builder();
    compares.forEach((k, v) -> b.requireVersion(k.bytes, v));
    ops.forEach(b::op);
    return b.build();
  }

  /** Puts the effect of this txn, committed as {@code r}, into the cache. */
  void applyTo(MetaCache c, CommitResult r) {
    Map<Key, byte[]> last = new LinkedHashMap<>();
    for (int i = 0; i < ops.size(); i++) {
      Op op = ops.get(i);
      byte[] v;
      if (op instanceof Op.Put) {
        v = ((Op.Put) op).value();
      } else if (op instanceof Op.Delete) {
        v = null;
      } else {
        v = Bytes.ofLong(r.opResult(i));
      }
      last.put(new Key(op.key()), v);
    }
    List<byte[]> keys = new ArrayList<>(last.size());
    List<byte[]> values = new ArrayList<>(last.size());
    last.forEach((k, v) -> {
      keys.add(k.bytes);
      values.add(v);
    });
    c.applyOwn(r.revision(), keys, values);
  }
}
