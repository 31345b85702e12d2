package io.quorumfs.kv.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisLoadingException;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvUnavailableException;
import java.util.Locale;

/** Maps Lettuce exceptions to the SPI's, once, naming the server and the operation. */
final class RedisErrors {

  private RedisErrors() {}

  static KvException map(RedisConfig cfg, String op, RuntimeException e) {
    String where = "redis " + cfg.address() + " (prefix " + cfg.prefix() + ")";
    if (isAuth(e)) {
      return new KvException(where + ": authentication failed"
          + (cfg.user() != null ? " for user '" + cfg.user() + "'" : "") + " during " + op + ": " + rootMessage(e), e);
    }
    if (e instanceof RedisCommandTimeoutException) {
      return new KvUnavailableException(where + " did not answer " + op + " within " + cfg.timeout().toMillis()
          + " ms (parameter timeout)", e);
    }
    if (e instanceof RedisConnectionException) {
      return new KvUnavailableException("cannot connect to " + where + ": " + rootMessage(e) + " (connectTimeout "
          + cfg.connectTimeout().toMillis() + " ms, timeout " + cfg.timeout().toMillis() + " ms)", e);
    }
    if (e instanceof RedisLoadingException) {
      return new KvUnavailableException(where + " is loading its data set; retry " + op + " later", e);
    }
    if (e instanceof RedisCommandExecutionException) {
      return new KvException(where + ": " + op + " failed: " + e.getMessage(), e);
    }
    if (e instanceof io.lettuce.core.RedisException) {
      // not connected, connection closed, reset: transport trouble, may clear after a reconnect
      return new KvUnavailableException(where + " unavailable for " + op + ": " + rootMessage(e), e);
    }
    return new KvException(where + ": " + op + " failed: " + e, e);
  }

  static boolean isAuth(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null) {
        String u = m.toUpperCase(Locale.ROOT);
        if (u.startsWith("WRONGPASS") || u.startsWith("NOAUTH") || u.contains("INVALID PASSWORD")
            || u.contains("INVALID USERNAME-PASSWORD") || u.startsWith("ERR AUTH")) {
          return true;
        }
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  static String rootMessage(Throwable e) {
    StringBuilder sb = new StringBuilder();
    String last = null;
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      String m = t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName();
      if (!m.equals(last)) {
        if (sb.length() > 0) {
          sb.append(": ");
        }
        sb.append(m);
        last = m;
      }
    }
    return sb.toString();
  }
}
