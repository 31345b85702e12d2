package io.quorumfs.kv.redis;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisCommands;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * A Lua script shipped as a resource, run by its SHA-1 (EVALSHA). A server that does not know it
 * (first use, restart, SCRIPT FLUSH) answers NOSCRIPT; then it is loaded and run once more. That
 * retry is safe: a NOSCRIPT reply means the script did not run.
 */
final class RedisScript {
  static final RedisScript COMMIT = new RedisScript("commit.lua");
  static final RedisScript SCAN = new RedisScript("scan.lua");
  static final RedisScript HEAD = new RedisScript("head.lua");

  private final String name;
  private final byte[] source;
  private final String sha;

  private RedisScript(String name) {
    this.name = name;
    try (InputStream in = RedisScript.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource io/quorumfs/kv/redis/" + name);
      }
      source = in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read script " + name, e);
    }
    sha = sha1Hex(source);
  }

  String name() {
    return name;
  }

  void load(RedisCommands<byte[], byte[]> redis) {
    String got = redis.scriptLoad(source);
    if (!sha.equals(got)) {
      throw new IllegalStateException("redis returned SHA " + got + " for " + name + ", expected " + sha);
    }
  }

  <T> T run(RedisCommands<byte[], byte[]> redis, byte[][] keys, byte[]... args) {
    try {
      return redis.evalsha(sha, ScriptOutputType.MULTI, keys, args);
    } catch (RedisNoScriptException e) {
      load(redis);
      return redis.evalsha(sha, ScriptOutputType.MULTI, keys, args);
    }
  }

  private static String sha1Hex(byte[] b) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-1").digest(b);
      StringBuilder sb = new StringBuilder();
      for (byte x : d) {
        sb.append(Character.forDigit((x >> 4) & 0xF, 16)).append(Character.forDigit(x & 0xF, 16));
      }
      return sb.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
