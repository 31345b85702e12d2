package io.quorumfs.kv;

import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The parameters of a quorumfs URI ({@code scheme:...?k=v&k=v}), as every store, blob store and
 * command reads them.
 *
 * <ul>
 *   <li>Keys and values are percent-decoded as RFC 3986 says: {@code %20} is a space, {@code %25}
 *       a {@code %}. A {@code +} stays a {@code +} (it means a space only in HTML forms). A
 *       {@code %} not followed by two hex digits is refused, naming the fix.
 *   <li>A key given twice is refused (which one would win is not obvious to whoever wrote it).
 *   <li>{@code k} without {@code =} has the empty value; empty pairs ({@code a=1&&b=2}) are skipped.
 *   <li>The query ends at a {@code #}.
 *   <li>Messages name the URI without its query and without a password (parameters may hold
 *       secrets: tokens, keys).
 * </ul>
 *
 * <p>Also reads the authority of {@code raft://} URIs, which name several hosts
 * ({@code raft://[::1]:9871,[::1]:9872}): see {@link #hosts}. Instances are immutable.
 */
public final class UriQuery {

  private final String uri;
  private final Map<String, String> params;

  private UriQuery(String uri, Map<String, String> params) {
    this.uri = uri;
    this.params = Collections.unmodifiableMap(params);
  }

  /** The parameters of {@code uri}, a URI as text (also {@code raft://h:p,h:p?...}, which {@link URI} refuses). */
  public static UriQuery of(String uri) {
    Objects.requireNonNull(uri, "uri");
    int q = uri.indexOf('?');
    if (q < 0) {
      return new UriQuery(shown(uri), new LinkedHashMap<>());
    }
    int hash = uri.indexOf('#', q);
    return parse(uri.substring(q + 1, hash < 0 ? uri.length() : hash), shown(uri));
  }

  /** {@code uri} for messages: without its query and fragment, its user information's secret replaced by {@code ***}. */
  public static String shown(String uri) {
    int end = uri.length();
    for (char c : new char[] {'?', '#'}) {
      int i = uri.indexOf(c);
      if (i >= 0 && i < end) {
        end = i;
      }
    }
    String s = uri.substring(0, end);
    int start = s.indexOf("//");
    int at = s.lastIndexOf('@');
    if (start >= 0 && at > start) {
      int colon = s.indexOf(':', start + 2);
      // user:password@ keeps the user; a lone userinfo may be a password (redis://secret@host)
      int keep = colon >= 0 && colon < at ? colon + 1 : start + 2;
      s = s.substring(0, keep) + "***" + s.substring(at);
    }
    return s;
  }

  /** The parameters of {@code uri}, opaque ({@code mem:?history=9}) or hierarchical. */
  public static UriQuery of(URI uri) {
    return of(uri.toString());
  }

  /**
   * Parses a raw (still percent-encoded) query such as an HTTP request's.
   *
   * @param context what the query belongs to, for messages (not the query itself: it may hold secrets)
   */
  public static UriQuery parse(String rawQuery, String context) {
    Map<String, String> out = new LinkedHashMap<>();
    if (rawQuery != null && !rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("&", -1)) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String k = decode(eq < 0 ? pair : pair.substring(0, eq), context);
        String v = eq < 0 ? "" : decode(pair.substring(eq + 1), context);
        if (k.isEmpty()) {
          throw new IllegalArgumentException("'" + context + "' has a parameter without a name");
        }
        if (out.put(k, v) != null) {
          throw new IllegalArgumentException("parameter '" + k + "' is given twice in '" + context
              + "'; give it once");
        }
      }
    }
    return new UriQuery(context, out);
  }

  /** The decoded value of {@code key}, if given. */
  public Optional<String> get(String key) {
    return Optional.ofNullable(params.get(key));
  }

  /** The decoded value of {@code key}, or {@code dflt} if it is not given. */
  public String get(String key, String dflt) {
    return params.getOrDefault(key, dflt);
  }

  /** Every parameter, decoded, in the order written. */
  public Map<String, String> asMap() {
    return params;
  }

  public boolean isEmpty() {
    return params.isEmpty();
  }

  /**
   * Refuses a parameter not in {@code known}.
   *
   * @param what how the URI is named in the message, e.g. {@code "rocks://"}
   * @throws IllegalArgumentException naming the unknown parameter and the known ones
   */
  public UriQuery requireKnown(String what, Set<String> known) {
    for (String k : params.keySet()) {
      if (!known.contains(k)) {
        throw new IllegalArgumentException(what + " unknown parameter '" + k + "' in '" + uri
            + "'; known: " + String.join(", ", new TreeSet<>(known)));
      }
    }
    return this;
  }

  /**
   * The hosts of a URI whose authority lists several, comma-separated ({@code raft://a:1,[::1]:2/?x}),
   * each a {@link HostPort} (IPv6 literals in brackets). Empty entries are skipped.
   *
   * @throws IllegalArgumentException naming the bad address and how it is written, or a host given twice
   */
  public static List<HostPort> hosts(String uri) {
    String s = uri.trim();
    int scheme = s.indexOf("://");
    if (scheme >= 0) {
      s = s.substring(scheme + 3);
    }
    int end = s.length();
    for (char c : new char[] {'/', '?', '#'}) {
      int i = s.indexOf(c);
      if (i >= 0 && i < end) {
        end = i;
      }
    }
    s = s.substring(0, end);
    List<HostPort> out = new ArrayList<>();
    for (String part : s.split(",")) {
      if (part.isBlank()) {
        continue;
      }
      HostPort hp;
      try {
        hp = HostPort.parse(part);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("address in '" + shown(uri) + "': " + e.getMessage(), e);
      }
      if (out.contains(hp)) {
        throw new IllegalArgumentException("address " + hp + " appears twice in '" + shown(uri) + "'");
      }
      out.add(hp);
    }
    return out;
  }

  /**
   * {@code value} percent-encoded for a query: everything but RFC 3986 unreserved characters and
   * {@code /} and {@code :} (kept for readable paths and addresses) is escaped.
   */
  public static String encode(String value) {
    StringBuilder b = new StringBuilder();
    for (byte x : value.getBytes(StandardCharsets.UTF_8)) {
      int c = x & 0xff;
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.' || c == '_' || c == '~' || c == '/' || c == ':') {
        b.append((char) c);
      } else {
        b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 15, 16)));
      }
    }
    return b.toString();
  }

  /** {@code uri} with {@code key=value} appended ({@code value} encoded). */
  public static String with(String uri, String key, String value) {
    int hash = uri.indexOf('#');
    String base = hash < 0 ? uri : uri.substring(0, hash);
    String sep = base.indexOf('?') < 0 ? "?" : base.endsWith("?") || base.endsWith("&") ? "" : "&";
    return base + sep + encode(key) + "=" + encode(value) + (hash < 0 ? "" : uri.substring(hash));
  }

  private static String decode(String s, String context) {
    if (s.indexOf('%') < 0) {
      return s;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(s.length());
    for (int i = 0; i < s.length(); i++) {
      int pct = s.indexOf('%', i);
      if (pct != i) {
        int end = pct < 0 ? s.length() : pct;
        out.writeBytes(s.substring(i, end).getBytes(StandardCharsets.UTF_8));
        i = end - 1;
        continue;
      }
      int hi = i + 2 < s.length() ? Character.digit(s.charAt(i + 1), 16) : -1;
      int lo = hi >= 0 ? Character.digit(s.charAt(i + 2), 16) : -1;
      if (lo < 0) {
        String bad = s.substring(i, Math.min(s.length(), i + 3));
        throw new IllegalArgumentException("'" + bad + "' in a parameter of '" + context + "' is not a percent-escape;"
            + " write a % as %25 (and a space as %20)");
      }
      out.write(hi * 16 + lo);
      i += 2;
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return params.toString();
  }
}
