package io.quorumfs.kv.redis;

import io.quorumfs.kv.UriQuery;
import java.io.File;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The parsed form of {@code redis://[user:pass@]host[:port][/db][?param=value&...]} (or
 * {@code rediss://} for TLS). Parameters: {@code prefix}, {@code timeout}, {@code connectTimeout},
 * {@code history}, {@code maxValue}, {@code verifyPeer} and {@code cacert}; docs/kv-redis.md
 * describes each.
 */
record RedisConfig(
    boolean tls,
    String host,
    int port,
    int database,
    String user,
    char[] password,
    String prefix,
    Duration timeout,
    Duration connectTimeout,
    long history,
    int maxValueBytes,
    String verifyPeer,
    File caCert) {

  static final int DEFAULT_PORT = 6379;
  static final String DEFAULT_PREFIX = "qfs";
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);
  static final long DEFAULT_HISTORY = 100_000;
  /** Redis strings hold 512 MB; a value stays well below so a txn fits the 1 GB query buffer. */
  static final int DEFAULT_MAX_VALUE = 256 << 20;
  static final int MAX_MAX_VALUE = (512 << 20) - 1024;

  private static final Pattern PREFIX = Pattern.compile("[A-Za-z0-9._:/-]{1,64}");
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m)?");

  static final String PARAMS = "prefix, timeout, connectTimeout, history, maxValue, verifyPeer, cacert";

  /** {@code host:port}, for error messages. */
  String address() {
    return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
  }

  /** The URI without its password, for messages and toString. */
  String display() {
    return (tls ? "rediss://" : "redis://") + (user != null ? user + "@" : "") + address() + "/" + database
        + "?prefix=" + prefix;
  }

  @Override
  public String toString() {
    return display();
  }

  static RedisConfig parse(URI uri) {
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("redis") && !scheme.equals("rediss")) {
      throw new IllegalArgumentException("not a redis URI (expected redis:// or rediss://): " + safe(uri));
    }
    boolean tls = scheme.equals("rediss");
    String host = uri.getHost();
    if (host == null || host.isEmpty()) {
      throw new IllegalArgumentException("redis URI needs a host, as in redis://host:6379/0, got " + safe(uri));
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    int port = uri.getPort() < 0 ? DEFAULT_PORT : uri.getPort();
    int db = 0;
    String path = uri.getPath();
    if (path != null && !path.isEmpty() && !path.equals("/")) {
      try {
        db = Integer.parseInt(path.substring(1));
      } catch (NumberFormatException e) {
        db = -1;
      }
      if (db < 0) {
        throw new IllegalArgumentException("redis URI path must be a database number (/0../15), got '" + path
            + "' in " + safe(uri));
      }
    }
    String user = null;
    char[] password = null;
    String info = uri.getRawUserInfo();
    if (info != null) {
      int colon = info.indexOf(':');
      String u = colon < 0 ? info : info.substring(0, colon);
      u = decode(u);
      if (colon < 0) {
        password = u.toCharArray(); // redis://secret@host: a password alone, as redis-cli -u reads it
      } else {
        user = u.isEmpty() ? null : u;
        password = decode(info.substring(colon + 1)).toCharArray();
      }
    }
    String prefix = DEFAULT_PREFIX;
    Duration timeout = DEFAULT_TIMEOUT;
    Duration connectTimeout = null;
    long history = DEFAULT_HISTORY;
    int maxValue = DEFAULT_MAX_VALUE;
    String verifyPeer = "full";
    File caCert = null;
    for (Map.Entry<String, String> param : UriQuery.of(uri).asMap().entrySet()) {
      String k = param.getKey();
      String v = param.getValue();
      switch (k) {
        case "prefix":
          if (!PREFIX.matcher(v).matches()) {
            throw new IllegalArgumentException("redis parameter 'prefix' must be 1-64 characters of"
                + " [A-Za-z0-9._:/-], got '" + v + "'");
          }
          prefix = v;
          break;
        case "timeout":
          timeout = duration(k, v);
          break;
        case "connectTimeout":
          connectTimeout = duration(k, v);
          break;
        case "history":
          history = positive(k, v, Long.MAX_VALUE);
          break;
        case "maxValue":
          maxValue = (int) positive(k, v, MAX_MAX_VALUE);
          break;
        case "verifyPeer":
          verifyPeer = v.toLowerCase(Locale.ROOT);
          if (!verifyPeer.equals("full") && !verifyPeer.equals("ca") && !verifyPeer.equals("none")) {
            throw new IllegalArgumentException("redis parameter 'verifyPeer' must be full, ca or none, got '"
                + v + "'");
          }
          break;
        case "cacert":
          caCert = new File(v);
          if (!caCert.isFile()) {
            throw new IllegalArgumentException("redis parameter 'cacert': no such file " + caCert);
          }
          break;
        default:
          throw new IllegalArgumentException("unknown redis parameter '" + k + "' in " + safe(uri)
              + "; known: " + PARAMS);
      }
    }
    if ((caCert != null || !verifyPeer.equals("full")) && !tls) {
      throw new IllegalArgumentException("redis parameters verifyPeer and cacert need rediss:// (TLS), got "
          + safe(uri));
    }
    return new RedisConfig(tls, host, port, db, user, password, prefix, timeout,
        connectTimeout == null ? timeout : connectTimeout, history, maxValue, verifyPeer, caCert);
  }

  private static Duration duration(String k, String v) {
    Matcher m = DURATION.matcher(v);
    if (!m.matches()) {
      throw new IllegalArgumentException("redis parameter '" + k + "' must be a duration like 500ms, 5s or 1m,"
          + " got '" + v + "'");
    }
    long n = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "ms" : m.group(2);
    Duration d = unit.equals("ms") ? Duration.ofMillis(n) : unit.equals("s") ? Duration.ofSeconds(n) : Duration.ofMinutes(n);
    if (d.isZero()) {
      throw new IllegalArgumentException("redis parameter '" + k + "' must be > 0, got '" + v + "'");
    }
    return d;
  }

  private static long positive(String k, String v, long max) {
    long n;
    try {
      n = Long.parseLong(v);
    } catch (NumberFormatException e) {
      n = -1;
    }
    if (n < 1 || n > max) {
      throw new IllegalArgumentException("redis parameter '" + k + "' must be an integer in 1.." + max + ", got '"
          + v + "'");
    }
    return n;
  }

  private static String decode(String s) {
    return URLDecoder.decode(s.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  /** The URI with any password replaced, for messages. */
  static String safe(URI uri) {
    String info = uri.getRawUserInfo();
    if (info == null) {
      return uri.toString();
    }
    int colon = info.indexOf(':');
    String masked = colon < 0 ? "***" : info.substring(0, colon) + ":***";
    return uri.toString().replace(info + "@", masked + "@");
  }
}
