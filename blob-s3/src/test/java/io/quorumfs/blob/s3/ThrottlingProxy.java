package io.quorumfs.blob.s3;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;

/**
 * A loopback TCP proxy in front of an S3 server that answers chosen requests itself with
 * {@code 503 SlowDown}, as S3 does when it throttles. Each request gets its own upstream connection
 * ({@code Connection: close} is added to the request head, which SigV4 does not sign), so the choice
 * is per request: {@code throttle} sees the request head (request line and headers, including the
 * SDK's {@code amz-sdk-request: attempt=N; max=M}). Every request head seen is kept, in order.
 */
public final class ThrottlingProxy implements AutoCloseable {

  private final ServerSocket listener;
  private final InetSocketAddress upstream;
  private final ExecutorService pool;
  private final List<String> heads = new CopyOnWriteArrayList<>();
  private final AtomicInteger throttled = new AtomicInteger();
  private volatile Refusal refusal = new Refusal(head -> false, 503, "Slow Down", "SlowDown");

  private record Refusal(Predicate<String> which, int status, String reason, String code) {}

  public ThrottlingProxy(int upstreamPort) throws IOException {
    this.upstream = new InetSocketAddress(InetAddress.getLoopbackAddress(), upstreamPort);
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "throttling-proxy-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    pool.execute(this::accept);
  }

  public String endpoint() {
    return "http://127.0.0.1:" + listener.getLocalPort();
  }

  /** Which requests (by their head, header names lower-cased) are answered 503 SlowDown from now on. */
  public void throttle(Predicate<String> which) {
    refuse(which, 503, "Slow Down", "SlowDown");
  }

  /** Which requests are answered with {@code status} and an S3 error of {@code code} from now on. */
  public void refuse(Predicate<String> which, int status, String reason, String code) {
    this.refusal = new Refusal(which, status, reason, code);
  }

  /** True for the first attempt of every request the SDK sends (so its first retry goes through). */
  public static boolean firstAttempt(String head) {
    return head.contains("amz-sdk-request: attempt=1;");
  }

  /** How many requests were refused. */
  public int throttled() {
    return throttled.get();
  }

  public List<String> heads() {
    return List.copyOf(heads);
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        pool.execute(() -> serve(client));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private void serve(Socket client) {
    try (client) {
      InputStream in = client.getInputStream();
      String head = readHead(in);
      if (head == null) {
        return;
      }
      heads.add(head);
      Refusal r = refusal;
      if (r.which().test(head)) {
        throttled.incrementAndGet();
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + r.code() + "</Code><Message>"
            + r.reason() + "</Message></Error>").getBytes(StandardCharsets.UTF_8);
        OutputStream out = client.getOutputStream();
        out.write(("HTTP/1.1 " + r.status() + " " + r.reason() + "\r\nContent-Type: application/xml\r\nContent-Length: "
            + body.length + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        out.write(body);
        out.flush();
        client.shutdownOutput();
        in.transferTo(OutputStream.nullOutputStream()); // a body sent anyway, until the client closes
        return;
      }
      try (Socket server = new Socket(upstream.getAddress(), upstream.getPort())) {
        OutputStream up = server.getOutputStream();
        int end = head.indexOf("\r\n\r\n");
        up.write((head.substring(0, end) + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
        up.flush();
        pool.execute(() -> pump(in, up, server));
        server.getInputStream().transferTo(client.getOutputStream());
      }
    } catch (IOException e) {
      // a connection torn down by either side; the client sees it and retries
    }
  }

  private static void pump(InputStream from, OutputStream to, Socket server) {
    try {
      from.transferTo(to);
      server.shutdownOutput();
    } catch (IOException e) {
      // the other direction ends the exchange
    }
  }

  /** The request line and headers up to and including the blank line, header names lower-cased; null at EOF. */
  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int matched = 0;
    while (matched < 4) {
      int c = in.read();
      if (c < 0) {
        return null;
      }
      b.write(c);
      matched = (c == (matched % 2 == 0 ? '\r' : '\n')) ? matched + 1 : (c == '\r' ? 1 : 0);
    }
    String[] lines = b.toString(StandardCharsets.ISO_8859_1).split("\r\n");
    StringBuilder out = new StringBuilder(lines[0]).append("\r\n");
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0 && lines[i].substring(0, colon).equalsIgnoreCase("connection")) {
        continue; // replaced by Connection: close
      }
      out.append(colon > 0 ? lines[i].substring(0, colon).toLowerCase(Locale.ROOT) + lines[i].substring(colon)
          : lines[i]).append("\r\n");
    }
    return out.append("\r\n").toString();
  }

  @Override
  public void close() throws IOException {
    listener.close();
    pool.shutdownNow();
  }
}
