package io.quorumfs.kv.redis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Every Redis key a store uses, all under one hash tag so a script may touch them together:
 * <pre>
 *   {P}:rev       string  the store revision (INCR'd by each commit)
 *   {P}:idx       zset    every present key, score 0, member = raw key bytes (ZRANGEBYLEX order = memcmp)
 *   {P}:log       stream  one entry per commit, id = "revision-0", field c = the encoded changes
 *   {P}:k:KEY     string  8-byte big-endian version followed by the value
 *   {P}:tx:ID     string  a commit's reply, kept 2 x timeout + 5 s so a replayed command is not applied twice
 * </pre>
 */
final class RedisKeys {
  final byte[] rev;
  final byte[] idx;
  final byte[] log;
  final byte[] dataPrefix;
  private final byte[] txPrefix;

  RedisKeys(String prefix) {
    String base = "{" + prefix + "}:";
    rev = ascii(base + "rev");
    idx = ascii(base + "idx");
    log = ascii(base + "log");
    dataPrefix = ascii(base + "k:");
    txPrefix = ascii(base + "tx:");
  }

  byte[] data(byte[] key) {
    return concat(dataPrefix, key);
  }

  byte[] tx(byte[] id) {
    return concat(txPrefix, id);
  }

  static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
