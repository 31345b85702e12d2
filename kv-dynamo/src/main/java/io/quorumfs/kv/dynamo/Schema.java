package io.quorumfs.kv.dynamo;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * The table layout, in one place. The table has a binary partition key {@code p} and a binary
 * sort key {@code s}; DynamoDB orders binary sort keys unsigned byte-wise, the order of
 * {@link io.quorumfs.kv.Bytes#compare}.
 *
 * <pre>
 * item                    p                      s                      other attributes
 * ----------------------- ---------------------- ---------------------- ------------------------------
 * revision (one item)     0x00                   "rev"                  r: N  latest committed revision
 * key (head)              0x01                   sk(key)                ver: N  revision that wrote it
 *                                                                       v: B    value (when not split)
 *                                                                       n: N    part count (when split)
 *                                                                       k: B    full key (keys > 1000 B)
 * value part              0x02 ++ sk(key)        be64(ver) ++ be32(i)   v: B    bytes of part i
 * change log (per commit) 0x03                   be64(revision)         c: B    encoded ChangeEvent
 *
 * sk(key) = key                                   if key.length <= 1000
 *         = key[0..1000) ++ sha256(key)[0..16)   otherwise (1016 bytes; sort keys are <= 1024 B)
 * </pre>
 *
 * All keys live in one partition-key value (0x01), so a range scan is one ordered Query. Keys
 * longer than 1000 bytes sharing their first 1000 bytes form a contiguous run of sort keys, ordered
 * by hash inside the run; a scan reads such a run whole and sorts it by {@code k}.
 */
final class Schema {

  static final String P = "p";
  static final String S = "s";
  static final String VER = "ver";
  static final String VALUE = "v";
  static final String PARTS = "n";
  static final String FULL_KEY = "k";
  static final String REV = "r";
  static final String CHANGES = "c";

  static final int SHORT_KEY_MAX = 1000;
  private static final int HASH_BYTES = 16;
  static final int LONG_SK_LENGTH = SHORT_KEY_MAX + HASH_BYTES;

  private static final byte[] P_META = {0x00};
  private static final byte[] P_DATA = {0x01};
  private static final byte P_PART = 0x02;
  private static final byte[] P_LOG = {0x03};
  private static final byte[] S_REV = {'r', 'e', 'v'};

  static final AttributeValue DATA_PARTITION = bin(P_DATA);
  static final AttributeValue LOG_PARTITION = bin(P_LOG);

  private Schema() {}

  static AttributeValue bin(byte[] b) {
    return AttributeValue.builder().b(SdkBytes.fromByteArrayUnsafe(b)).build();
  }

  static AttributeValue num(long n) {
    return AttributeValue.builder().n(Long.toString(n)).build();
  }

  static byte[] bytes(AttributeValue v) {
    return v.b().asByteArrayUnsafe();
  }

  static long longOf(Map<String, AttributeValue> item, String attr) {
    AttributeValue v = item == null ? null : item.get(attr);
    return v == null || v.n() == null ? 0 : Long.parseLong(v.n());
  }

  /** The sort key of a data key. */
  static byte[] sortKey(byte[] key) {
    if (key.length <= SHORT_KEY_MAX) {
      return key;
    }
    byte[] sk = Arrays.copyOf(key, LONG_SK_LENGTH);
    System.arraycopy(sha256(key), 0, sk, SHORT_KEY_MAX, HASH_BYTES);
    return sk;
  }

  static boolean isLongSortKey(byte[] sk) {
    return sk.length == LONG_SK_LENGTH;
  }

  static Map<String, AttributeValue> revisionKey() {
    return key(P_META, S_REV);
  }

  static Map<String, AttributeValue> dataKey(byte[] key) {
    return key(P_DATA, sortKey(key));
  }

  static Map<String, AttributeValue> partKey(byte[] key, long version, int index) {
    byte[] sk = sortKey(key);
    byte[] p = new byte[sk.length + 1];
    p[0] = P_PART;
    System.arraycopy(sk, 0, p, 1, sk.length);
    return key(p, partSortKey(version, index));
  }

  static byte[] partSortKey(long version, int index) {
    return ByteBuffer.allocate(12).putLong(version).putInt(index).array();
  }

  static Map<String, AttributeValue> logKey(long revision) {
    return key(P_LOG, be64(revision));
  }

  static byte[] be64(long v) {
    return ByteBuffer.allocate(8).putLong(v).array();
  }

  static long be64(byte[] b) {
    return ByteBuffer.wrap(b).getLong();
  }

  /** The full key stored in a head item. */
  static byte[] keyOf(Map<String, AttributeValue> head) {
    AttributeValue k = head.get(FULL_KEY);
    return bytes(k != null ? k : head.get(S));
  }

  private static Map<String, AttributeValue> key(byte[] p, byte[] s) {
    Map<String, AttributeValue> m = new HashMap<>(4);
    m.put(P, bin(p));
    m.put(S, bin(s));
    return m;
  }

  private static byte[] sha256(byte[] b) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(b);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 missing from this JVM", e);
    }
  }
}
