package io.quorumfs.blob;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.quorumfs.kv.UriQuery;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLPeerUnverifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a {@link BlobStore} over HTTP ({@link BlobProtocol}), so that deployments without Redis
 * or DynamoDB can share blobs kept in RocksDB (or a directory) on one host. Clients open it as
 * {@code http://host:port}.
 *
 * <p>Uploads are verified before they are stored: the server hashes the body as it arrives and
 * refuses (400) a body that is shorter than its Content-Length or does not hash to the id in the
 * path, so a truncated or damaged upload is never stored. Requests over the size bound are refused
 * with 413 before their body is read. With a token set, every request must carry
 * {@code Authorization: Bearer <token>} (else 401).
 *
 * <p>With {@link Builder#tls} it serves HTTPS and requires a client certificate that its trust
 * store accepts: a handshake with an untrusted certificate fails, a request without one gets 401;
 * both are logged on the {@code quorumfs.conn} logger. Clients open it as {@code https://host:port}
 * with the {@code tlsKeyStore}, {@code tlsTrustStore} and {@code tlsPasswordEnv} parameters.
 *
 * <p>Thread-safe; {@link #close} stops at once (requests in progress are cut off; clients retry)
 * and does not close the store.
 */
public final class BlobServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(BlobServer.class);

  private final BlobStore store;
  private final HttpServer http;
  private final ExecutorService pool;
  private final int maxBlobBytes;
  private final int maxIdsPerRequest;
  private final byte[] token;
  private final BlobServerTls tls;

  private BlobServer(Builder b) throws IOException {
    this.store = b.store;
    this.maxBlobBytes = b.maxBlobBytes;
    this.maxIdsPerRequest = b.maxIdsPerRequest;
    this.token = b.token == null ? null : b.token.getBytes(StandardCharsets.UTF_8);
    this.tls = b.tls;
    AtomicInteger n = new AtomicInteger();
    this.pool = Executors.newFixedThreadPool(b.threads, r -> {
      Thread t = new Thread(r, "blob-server-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    if (tls == null) {
      this.http = HttpServer.create(b.address, 128);
    } else {
      HttpsServer https = HttpsServer.create(b.address, 128);
      https.setHttpsConfigurator(new HttpsConfigurator(tls.context()) {
        @Override
        public void configure(HttpsParameters params) {
          // "want", not "need": a client without a certificate reaches handle() and is refused
          // there with a logged 401 instead of a handshake failure nobody sees.
          // (set on the SSLParameters: the server ignores HttpsParameters' own flags once
          // SSLParameters are given)
          javax.net.ssl.SSLParameters p = getSSLContext().getDefaultSSLParameters();
          p.setWantClientAuth(true);
          params.setSSLParameters(p);
        }
      });
      this.http = https;
    }
    http.setExecutor(pool);
    http.createContext("/", this::handle);
    http.start();
    LOG.info("blob server for {} listening on {} (max blob {} bytes, auth {})", store, uri(),
        maxBlobBytes, auth());
  }

  public static Builder builder(BlobStore store) {
    return new Builder(store);
  }

  /** The address actually bound (the port is resolved when 0 was asked for). */
  public InetSocketAddress address() {
    return http.getAddress();
  }

  /** The URI clients open: {@code http://host:port}, or {@code https://host:port} with TLS. */
  public URI uri() {
    InetSocketAddress a = address();
    return URI.create((tls == null ? "http" : "https") + "://"
        + new io.quorumfs.kv.HostPort(a.getAddress().getHostAddress(), a.getPort()));
  }

  /** How clients are authenticated, for logs: "off", "bearer token", "mutual TLS", or both. */
  public String auth() {
    if (tls == null) {
      return token == null ? "off" : "bearer token";
    }
    return token == null ? "mutual TLS" : "mutual TLS + bearer token";
  }

  @Override
  public void close() {
    http.stop(0);
    pool.shutdownNow();
    LOG.info("blob server on {} stopped", uri());
  }

  private void handle(HttpExchange ex) throws IOException {
    try {
      try {
        if (!certified(ex)) {
          BlobServerTls.CONN.warn("TLS: refused {} {} from {}: no client certificate",
              ex.getRequestMethod(), ex.getRequestURI(), ex.getRemoteAddress());
          error(ex, 401, "a client certificate is required (mutual TLS)");
          return;
        }
        if (!authorized(ex)) {
          ex.getResponseHeaders().set("WWW-Authenticate", "Bearer");
          LOG.warn("refused unauthenticated {} {} from {}", ex.getRequestMethod(), ex.getRequestURI(), ex.getRemoteAddress());
          error(ex, 401, "missing or wrong bearer token");
          return;
        }
        route(ex);
      } catch (BlobNotFoundException e) {
        error(ex, 404, e.getMessage());
      } catch (BlobCorruptException e) {
        ex.getResponseHeaders().set(BlobProtocol.ERROR_HEADER, "corrupt");
        LOG.error("{}", e.getMessage());
        error(ex, 500, e.getMessage());
      } catch (BlobTooLargeException e) {
        error(ex, 413, e.getMessage());
      } catch (BlobUnavailableException e) {
        error(ex, 503, e.getMessage());
      } catch (IllegalArgumentException e) {
        error(ex, 400, e.getMessage());
      } catch (IOException e) {
        LOG.debug("connection failed during {} {}: {}", ex.getRequestMethod(), ex.getRequestURI(), e.toString());
      } catch (RuntimeException e) {
        LOG.error("{} {} failed", ex.getRequestMethod(), ex.getRequestURI(), e);
        error(ex, 500, e.toString());
      }
    } finally {
      ex.close();
    }
  }

  /** Without TLS true; with TLS whether the client showed a certificate (the handshake checked it). */
  private boolean certified(HttpExchange ex) {
    if (tls == null) {
      return true;
    }
    try {
      return ex instanceof HttpsExchange
          && ((HttpsExchange) ex).getSSLSession().getPeerCertificates().length > 0;
    } catch (SSLPeerUnverifiedException e) {
      return false;
    }
  }

  private boolean authorized(HttpExchange ex) {
    if (token == null) {
      return true;
    }
    String h = ex.getRequestHeaders().getFirst("Authorization");
    if (h == null || !h.startsWith("Bearer ")) {
      return false;
    }
    return MessageDigest.isEqual(token, h.substring(7).trim().getBytes(StandardCharsets.UTF_8));
  }

  private void route(HttpExchange ex) throws IOException {
    String path = ex.getRequestURI().getPath();
    String method = ex.getRequestMethod();
    if (path.startsWith(BlobProtocol.BLOBS)) {
      BlobId id = BlobId.parse(path.substring(BlobProtocol.BLOBS.length()));
      switch (method) {
        case "PUT":
          put(ex, id);
          return;
        case "GET":
          get(ex, id);
          return;
        case "HEAD":
          head(ex, id);
          return;
        case "DELETE":
          store.delete(List.of(id));
          drain(ex);
          ex.sendResponseHeaders(204, -1);
          return;
        default:
          methodNotAllowed(ex, "PUT, GET, HEAD, DELETE");
          return;
      }
    }
    if (path.equals(BlobProtocol.MISSING) || path.equals(BlobProtocol.DELETE)) {
      if (!method.equals("POST")) {
        methodNotAllowed(ex, "POST");
        return;
      }
      byte[] body = readBody(ex, (long) maxIdsPerRequest * BlobId.BYTES, "id list (" + maxIdsPerRequest + " ids)");
      List<BlobId> ids = BlobProtocol.decodeIds(body);
      if (path.equals(BlobProtocol.MISSING)) {
        respond(ex, 200, BlobProtocol.encodeIds(store.missing(ids)));
      } else {
        String before = query(ex, "before");
        Instant cutoff = before == null ? Instant.MAX : Instant.ofEpochMilli(parseLong("before", before));
        respond(ex, 200, Integer.toString(store.deleteIfOlder(ids, cutoff)).getBytes(StandardCharsets.US_ASCII));
      }
      return;
    }
    if (path.equals(BlobProtocol.LIST)) {
      if (!method.equals("GET")) {
        methodNotAllowed(ex, "GET");
        return;
      }
      String after = query(ex, "after");
      String limit = query(ex, "limit");
      int n = limit == null ? 1000 : (int) Math.min(parseLong("limit", limit), 10_000);
      BlobPage page = store.list(after == null ? null : BlobId.parse(after), n);
      ex.getResponseHeaders().set(BlobProtocol.MORE_HEADER, Boolean.toString(page.more()));
      respond(ex, 200, BlobProtocol.encodeInfos(page.blobs()));
      return;
    }
    error(ex, 404, "no such endpoint: " + method + " " + path + " (blob protocol v1: " + BlobProtocol.BLOBS + "{id}, "
        + BlobProtocol.MISSING + ", " + BlobProtocol.DELETE + ", " + BlobProtocol.LIST + ")");
  }

  private void put(HttpExchange ex, BlobId id) throws IOException {
    byte[] body = readBody(ex, maxBlobBytes, "blob");
    if (!id.matches(body)) {
      throw new IllegalArgumentException("upload of blob " + id + " refused: its " + body.length
          + " bytes hash to " + BlobId.of(body) + " (truncated or damaged upload); nothing stored");
    }
    boolean created;
    if (store instanceof KnownIdPut) {
      created = ((KnownIdPut) store).putKnown(id, body); // hashed above: no second pass
    } else {
      created = store.info(id).isEmpty();
      store.put(body);
    }
    ex.sendResponseHeaders(created ? 201 : 200, -1);
  }

  private void get(HttpExchange ex, BlobId id) throws IOException {
    byte[] content = store.get(id);
    String range = ex.getRequestHeaders().getFirst("Range");
    if (range == null) {
      respond(ex, 200, content);
      return;
    }
    long[] r = parseRange(range, content.length);
    if (r == null) {
      ex.getResponseHeaders().set("Content-Range", "bytes */" + content.length);
      ex.getResponseHeaders().set(BlobProtocol.SIZE_HEADER, Long.toString(content.length));
      error(ex, 416, "range '" + range + "' is not satisfiable for blob " + id + " of " + content.length + " bytes");
      return;
    }
    int from = (int) r[0];
    int to = (int) r[1]; // inclusive
    ex.getResponseHeaders().set("Content-Range", "bytes " + from + "-" + to + "/" + content.length);
    ex.sendResponseHeaders(206, to - from + 1);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(content, from, to - from + 1);
    }
  }

  /** [first, last] of a single "bytes=a-b" or "bytes=a-" range, or null if unsatisfiable. */
  private static long[] parseRange(String h, long size) {
    if (!h.startsWith("bytes=") || h.indexOf(',') >= 0) {
      throw new IllegalArgumentException("unsupported Range '" + h + "': expected one 'bytes=first-last'");
    }
    String spec = h.substring(6);
    int dash = spec.indexOf('-');
    if (dash <= 0) {
      throw new IllegalArgumentException("unsupported Range '" + h + "': expected one 'bytes=first-last'");
    }
    long first = parseLong("range start", spec.substring(0, dash));
    long last = dash == spec.length() - 1 ? size - 1 : parseLong("range end", spec.substring(dash + 1));
    if (first >= size || last < first) {
      return null;
    }
    return new long[] {first, Math.min(last, size - 1)};
  }

  private void head(HttpExchange ex, BlobId id) throws IOException {
    Optional<BlobInfo> info = store.info(id);
    if (info.isEmpty()) {
      ex.sendResponseHeaders(404, -1);
      return;
    }
    Headers h = ex.getResponseHeaders();
    h.set(BlobProtocol.SIZE_HEADER, Long.toString(info.get().size()));
    h.set(BlobProtocol.STAMP_HEADER, Long.toString(info.get().stamp().toEpochMilli()));
    ex.sendResponseHeaders(200, -1);
  }

  /** Reads the whole body, refusing (413) more than {@code max} bytes and (400) a short one. */
  private static byte[] readBody(HttpExchange ex, long max, String what) throws IOException {
    String cl = ex.getRequestHeaders().getFirst("Content-Length");
    long declared = cl == null ? -1 : parseLong("Content-Length", cl);
    if (declared > max) {
      throw new BlobTooLargeException(what + " of " + declared + " bytes exceeds the server's limit of " + max + " bytes");
    }
    InputStream in = ex.getRequestBody();
    if (declared >= 0) {
      byte[] b = new byte[(int) declared];
      int at = 0;
      while (at < b.length) {
        int r;
        try {
          r = in.read(b, at, b.length - at);
        } catch (IOException e) {
          r = -1; // the JDK server reports a body cut short as an IOException
        }
        if (r < 0) {
          throw new IllegalArgumentException("upload truncated: got " + at + " of " + declared
              + " bytes announced by Content-Length; nothing stored");
        }
        at += r;
      }
      return b;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    int r;
    while ((r = in.read(buf)) >= 0) {
      if (out.size() + (long) r > max) {
        throw new BlobTooLargeException(what + " exceeds the server's limit of " + max + " bytes");
      }
      out.write(buf, 0, r);
    }
    return out.toByteArray();
  }

  private static void drain(HttpExchange ex) throws IOException {
    ex.getRequestBody().transferTo(OutputStream.nullOutputStream());
  }

  private static String query(HttpExchange ex, String name) {
    return UriQuery.parse(ex.getRequestURI().getRawQuery(), ex.getRequestURI().getPath()).get(name, null);
  }

  private static long parseLong(String what, String s) {
    try {
      return Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(what + " must be a number, got '" + s + "'");
    }
  }

  private static void methodNotAllowed(HttpExchange ex, String allowed) throws IOException {
    ex.getResponseHeaders().set("Allow", allowed);
    error(ex, 405, "method " + ex.getRequestMethod() + " not allowed on " + ex.getRequestURI().getPath() + "; allowed: " + allowed);
  }

  private static void error(HttpExchange ex, int status, String message) throws IOException {
    ex.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    if (ex.getRequestMethod().equals("HEAD")) {
      ex.sendResponseHeaders(status, -1);
      return;
    }
    respond(ex, status, (message + "\n").getBytes(StandardCharsets.UTF_8));
  }

  private static void respond(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** Settings of a {@link BlobServer}. */
  public static final class Builder {
    private final BlobStore store;
    private InetSocketAddress address = new InetSocketAddress("127.0.0.1", 9300);
    private int maxBlobBytes = 16 << 20;
    private int maxIdsPerRequest = 100_000;
    private String token;
    private int threads = 16;
    private BlobServerTls tls;

    private Builder(BlobStore store) {
      this.store = Objects.requireNonNull(store, "store");
    }

    /** Where to listen (default 127.0.0.1:9300; port 0 picks a free one). */
    public Builder listen(InetSocketAddress address) {
      this.address = Objects.requireNonNull(address);
      return this;
    }

    /** Largest upload accepted, in bytes (default 16 MiB: four maximal chunks). */
    public Builder maxBlobBytes(int max) {
      if (max <= 0) {
        throw new IllegalArgumentException("max blob bytes must be > 0, got " + max);
      }
      this.maxBlobBytes = max;
      return this;
    }

    /** Most ids in one missing/delete request (default 100,000). */
    public Builder maxIdsPerRequest(int max) {
      this.maxIdsPerRequest = max;
      return this;
    }

    /** Require {@code Authorization: Bearer token} on every request (null: no auth). */
    public Builder token(String token) {
      this.token = token;
      return this;
    }

    /** Serve HTTPS and require client certificates the trust store accepts (null: plain HTTP). */
    public Builder tls(BlobServerTls tls) {
      this.tls = tls;
      return this;
    }

    /** Request threads (default 16). */
    public Builder threads(int threads) {
      this.threads = threads;
      return this;
    }

    /** Binds and starts serving. */
    public BlobServer start() throws IOException {
      return new BlobServer(this);
    }
  }
}
