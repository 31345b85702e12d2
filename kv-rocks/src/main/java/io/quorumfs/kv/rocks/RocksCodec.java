package io.quorumfs.kv.rocks;

import io.quorumfs.kv.Change;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.Versioned;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The on-disk encodings of the rocks:// backend. Column families and their records:
 * <pre>
 *   default   user key                     -> version (8, big-endian) | value bytes
 *   changes   revision (8, big-endian)     -> change record (below), one per commit
 *   system    "s/" + side-key name (UTF-8) -> caller's bytes (see RocksKvStore#commit(Txn, long, Map))
 *             "trimmed"                    -> highest revision removed from 'changes' (8)
 *
 *   change record = FORMAT (1) | previous commit revision (8) | count (4) | count x change
 *   change        = kind (1: 0 value, 1 deleted, 2 value omitted) | version (8)
 *                   | key length (4) | key | [value length (4) | value]   (value only for kind 0)
 * </pre>
 * The previous-revision field chains the records, so a subscriber notices a trimmed gap without
 * racing the trimmer.
 */
final class RocksCodec {

  static final byte FORMAT = 1;

  private RocksCodec() {}

  static byte[] encodeValue(long version, byte[] value) {
    byte[] out = new byte[8 + value.length];
    putLong(out, 0, version);
    System.arraycopy(value, 0, out, 8, value.length);
    return out;
  }

  static Versioned decodeValue(byte[] key, byte[] stored) {
    if (stored == null) {
      return Versioned.absent(key);
    }
    return new Versioned(key, Arrays.copyOfRange(stored, 8, stored.length), getLong(stored, 0));
  }

  static long versionOf(byte[] stored) {
    return stored == null ? 0 : getLong(stored, 0);
  }

  static byte[] revisionKey(long revision) {
    byte[] b = new byte[8];
    putLong(b, 0, revision);
    return b;
  }

  static long getLong(byte[] b, int at) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[at + i] & 0xFF);
    }
    return v;
  }

  static void putLong(byte[] b, int at, long v) {
    for (int i = 7; i >= 0; i--) {
      b[at + i] = (byte) v;
      v >>>= 8;
    }
  }

  static byte[] encodeChanges(long previous, List<Change> changes) {
    int size = 1 + 8 + 4;
    for (Change c : changes) {
      size += 1 + 8 + 4 + c.key().length + (c.value() != null ? 4 + c.value().length : 0);
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.put(FORMAT).putLong(previous).putInt(changes.size());
    for (Change c : changes) {
      byte kind = c.deleted() ? (byte) 1 : c.valueOmitted() ? (byte) 2 : (byte) 0;
      b.put(kind).putLong(c.version()).putInt(c.key().length).put(c.key());
      if (kind == 0) {
        b.putInt(c.value().length).put(c.value());
      }
    }
    return b.array();
  }

  /** The previous-revision field of a change record. */
  static long previousOf(byte[] record) {
    return getLong(record, 1);
  }

  static ChangeEvent decodeChanges(long revision, byte[] record) {
    ByteBuffer b = ByteBuffer.wrap(record);
    byte format = b.get();
    if (format != FORMAT) {
      throw new KvException("rocks:// change record at revision " + revision + " has unknown format " + format);
    }
    b.getLong();
    int n = b.getInt();
    List<Change> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      byte kind = b.get();
      long version = b.getLong();
      byte[] key = new byte[b.getInt()];
      b.get(key);
      if (kind == 0) {
        byte[] value = new byte[b.getInt()];
        b.get(value);
        out.add(new Change(key, value, version, false));
      } else if (kind == 1) {
        out.add(new Change(key, null, 0, false));
      } else {
        out.add(new Change(key, null, version, true));
      }
    }
    return new ChangeEvent(revision, out);
  }
}
