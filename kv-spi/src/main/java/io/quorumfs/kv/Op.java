package io.quorumfs.kv;

import java.util.Objects;

/**
 * A write inside a {@link Txn}. {@link Put} and {@link Delete} replace a key; {@link Add} and
 * {@link Max} are commutative: they read-modify-write an 8-byte big-endian long
 * ({@link Bytes#ofLong}) inside the commit, so two txns doing them never conflict with each other
 * (they still change the key's version, and so fail compares on that key).
 */
public sealed interface Op permits Op.Put, Op.Delete, Op.Add, Op.Max {

  byte[] key();

  /** Sets {@code key} to {@code value}. */
  record Put(byte[] key, byte[] value) implements Op {
    public Put {
      Txn.checkKey(key);
      Objects.requireNonNull(value, "value");
    }
  }

  /** Removes {@code key}; a no-op (but still a valid op) if it is absent. */
  record Delete(byte[] key) implements Op {
    public Delete {
      Txn.checkKey(key);
    }
  }

  /** {@code key := key + delta} (absent reads as 0; wraps on overflow). The new value is reported. */
  record Add(byte[] key, long delta) implements Op {
    public Add {
      Txn.checkKey(key);
    }
  }

  /** {@code key := max(key, value)} (absent reads as Long.MIN_VALUE). The new value is reported. */
  record Max(byte[] key, long value) implements Op {
    public Max {
      Txn.checkKey(key);
    }
  }
}
