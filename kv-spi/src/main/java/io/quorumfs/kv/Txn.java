package io.quorumfs.kv;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * An atomic transaction: compares that must all hold, then operations applied in order. Immutable;
 * build with {@link #builder()}. A txn with no operations is valid (a pure check).
 */
public record Txn(List<Compare> compares, List<Op> ops) {

  public Txn {
    compares = List.copyOf(compares);
    ops = List.copyOf(ops);
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The number of compares plus operations, the size backends limit. */
  public int size() {
    return compares.size() + ops.size();
  }

  /**
   * Validates a key as every store must: non-null ({@link NullPointerException}), 1 to
   * {@link KvStore#MAX_KEY_BYTES} bytes ({@link IllegalArgumentException} naming the size and limit).
   * Backends call it on every key they are given.
   */
  public static void checkKey(byte[] key) {
    Objects.requireNonNull(key, "key");
    if (key.length == 0) {
      throw new IllegalArgumentException("key must not be empty");
    }
    if (key.length > KvStore.MAX_KEY_BYTES) {
      throw new IllegalArgumentException("key of " + key.length + " bytes exceeds the limit of "
          + KvStore.MAX_KEY_BYTES + ": " + Bytes.show(key));
    }
  }

  /** Builds a {@link Txn}. Not thread-safe. */
  public static final class Builder {
    private final List<Compare> compares = new ArrayList<>();
    private final List<Op> ops = new ArrayList<>();

    private Builder() {}

    /** Requires {@code key} to be at {@code version} (0 = absent). */
    public Builder requireVersion(byte[] key, long version) {
      compares.add(new Compare(key, version));
      return this;
    }

    public Builder requireAbsent(byte[] key) {
      return requireVersion(key, 0);
    }

    /** Requires {@code v.key()} to still be at the version it was read with. */
    public Builder requireUnchanged(Versioned v) {
      return requireVersion(v.key(), v.version());
    }

    public Builder put(byte[] key, byte[] value) {
      ops.add(new Op.Put(key, value));
      return this;
    }

    public Builder delete(byte[] key) {
      ops.add(new Op.Delete(key));
      return this;
    }

    public Builder add(byte[] key, long delta) {
      ops.add(new Op.Add(key, delta));
      return this;
    }

    public Builder max(byte[] key, long value) {
      ops.add(new Op.Max(key, value));
      return this;
    }

    public Builder op(Op op) {
      ops.add(Objects.requireNonNull(op, "op"));
      return this;
    }

    public boolean isEmpty() {
      return compares.isEmpty() && ops.isEmpty();
    }

    public Txn build() {
      return new Txn(compares, ops);
    }
  }
}
