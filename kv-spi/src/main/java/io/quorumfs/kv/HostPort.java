package io.quorumfs.kv;

import java.net.InetSocketAddress;
import java.util.Objects;

/**
 * A {@code host:port} as every quorumfs address is written: a name, an IPv4 literal, or an IPv6
 * literal in brackets ({@code [::1]:9871}, as in URIs, RFC 3986). An IPv6 literal without brackets
 * ({@code ::1:9871}) is refused: its last colon could be part of the address.
 *
 * @param host the host without brackets ({@code ::1}, {@code 127.0.0.1}, {@code meta1})
 * @param port 0 to 65535 (0 = any free port, where binding allows it)
 */
public record HostPort(String host, int port) {

  public HostPort {
    Objects.requireNonNull(host, "host");
    if (host.isEmpty()) {
      throw new IllegalArgumentException("empty host");
    }
    if (port < 0 || port > 65535) {
      throw new IllegalArgumentException("port " + port + " is not 0..65535");
    }
  }

  /**
   * Parses {@code host:port} or {@code [v6]:port}.
   *
   * @throws IllegalArgumentException saying what is wrong with {@code text} and how it is written
   */
  public static HostPort parse(String text) {
    String t = Objects.requireNonNull(text, "address").trim();
    String host;
    String port;
    if (t.startsWith("[")) {
      int close = t.indexOf(']');
      if (close < 0 || close + 1 >= t.length() || t.charAt(close + 1) != ':') {
        throw new IllegalArgumentException("'" + text + "' is not [ipv6]:port");
      }
      host = t.substring(1, close);
      port = t.substring(close + 2);
      if (host.indexOf(':') < 0) {
        throw new IllegalArgumentException("'" + text + "': brackets are only for IPv6 literals");
      }
    } else {
      int colon = t.lastIndexOf(':');
      if (colon <= 0 || colon == t.length() - 1) {
        throw new IllegalArgumentException("'" + text + "' is not host:port");
      }
      host = t.substring(0, colon);
      port = t.substring(colon + 1);
      if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException("'" + text + "': an IPv6 address is written in brackets, "
            + "e.g. [" + host + "]:" + port);
      }
    }
    if (host.isEmpty()) {
      throw new IllegalArgumentException("'" + text + "' has no host");
    }
    int p;
    try {
      p = Integer.parseInt(port);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("port of '" + text + "' is not a number");
    }
    if (p < 0 || p > 65535) {
      throw new IllegalArgumentException("port of '" + text + "' is not 0..65535");
    }
    return new HostPort(host, p);
  }

  /** The host as it is written in a URI or an address: IPv6 literals in brackets. */
  public String uriHost() {
    return host.indexOf(':') >= 0 ? "[" + host + "]" : host;
  }

  /** An unresolved-if-need-be socket address (resolved when the host is a literal or resolvable). */
  public InetSocketAddress socketAddress() {
    return new InetSocketAddress(host, port);
  }

  /** {@code host:port}, or {@code [v6]:port}: what {@link #parse} reads. */
  @Override
  public String toString() {
    return uriHost() + ":" + port;
  }
}
