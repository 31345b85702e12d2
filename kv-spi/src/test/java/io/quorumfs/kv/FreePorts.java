package io.quorumfs.kv;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Free loopback ports for test servers. All {@code n} sockets stay bound until every port is
 * chosen, so the ports are distinct (binding port 0 twice in a row can return the same port once
 * the first socket is closed).
 */
public final class FreePorts {

  private FreePorts() {}

  private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /** A port free on 127.0.0.1 a moment ago and not returned by this method before in this JVM. */
  public static int fresh() {
    for (int attempt = 0; ; attempt++) {
      int port = distinct(1).get(0);
      if (HANDED_OUT.add(port) || attempt >= 20) {
        return port;
      }
    }
  }

  /** {@code n} distinct ports that were free on 127.0.0.1 a moment ago. */
  public static List<Integer> distinct(int n) {
    List<ServerSocket> held = new ArrayList<>();
    try {
      List<Integer> ports = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        held.add(s);
        ports.add(s.getLocalPort());
      }
      return ports;
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1", e);
    } finally {
      for (ServerSocket s : held) {
        try {
          s.close();
        } catch (IOException ignored) {
          // closing a listening socket that accepted nothing
        }
      }
    }
  }
}
