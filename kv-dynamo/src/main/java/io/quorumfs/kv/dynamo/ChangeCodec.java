package io.quorumfs.kv.dynamo;

import io.quorumfs.kv.Change;
import io.quorumfs.kv.ChangeEvent;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes the changes of one commit into the change-log item's {@code c} attribute:
 * {@code count, then per change: keyLen key version flag [valueLen value]} (big-endian ints and
 * longs; flag 0 = value inline, 1 = value omitted, 2 = deleted).
 */
final class ChangeCodec {

  private static final byte INLINE = 0;
  private static final byte OMITTED = 1;
  private static final byte DELETED = 2;

  private ChangeCodec() {}

  static int encodedSize(List<Change> changes) {
    int n = 4;
    for (Change c : changes) {
      n += 4 + c.key().length + 8 + 1 + (c.value() != null ? 4 + c.value().length : 0);
    }
    return n;
  }

  static byte[] encode(List<Change> changes) {
    ByteBuffer b = ByteBuffer.allocate(encodedSize(changes));
    b.putInt(changes.size());
    for (Change c : changes) {
      b.putInt(c.key().length).put(c.key()).putLong(c.version());
      if (c.deleted()) {
        b.put(DELETED);
      } else if (c.valueOmitted()) {
        b.put(OMITTED);
      } else {
        b.put(INLINE).putInt(c.value().length).put(c.value());
      }
    }
    return b.array();
  }

  static ChangeEvent decode(long revision, byte[] encoded) {
    ByteBuffer b = ByteBuffer.wrap(encoded);
    int n = b.getInt();
    List<Change> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      byte[] key = new byte[b.getInt()];
      b.get(key);
      long version = b.getLong();
      byte flag = b.get();
      if (flag == DELETED) {
        out.add(new Change(key, null, 0, false));
      } else if (flag == OMITTED) {
        out.add(new Change(key, null, version, true));
      } else {
        byte[] value = new byte[b.getInt()];
        b.get(value);
        out.add(new Change(key, value, version, false));
      }
    }
    return new ChangeEvent(revision, out);
  }
}
