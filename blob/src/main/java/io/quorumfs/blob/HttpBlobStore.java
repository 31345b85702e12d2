package io.quorumfs.blob;

import io.quorumfs.kv.UriQuery;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code http://host:port}: a client of a {@link BlobServer}. Every operation is idempotent, so
 * connection failures and 503s are retried with exponential backoff (50 ms doubling to 2 s, with
 * jitter) until {@code retryFor} (default 30 s) has passed; then a {@link BlobUnavailableException}
 * names the server, the attempts and the last error. Whole-blob reads are verified again on the
 * client, end to end.
 *
 * <p>URI parameters: {@code token} (bearer token; or the environment variable
 * {@code QUORUMFS_BLOB_TOKEN}), {@code retryFor} (seconds, e.g. {@code 10} or {@code 0.5}),
 * {@code timeout} (per-request seconds, default 60); for {@code https://} (a server with mutual
 * TLS, {@link BlobServerTls}) {@code tlsKeyStore} and {@code tlsTrustStore} (PKCS12 files) and
 * {@code tlsPasswordEnv} (the environment variable holding their password) or {@code tlsPassword}.
 */
final class HttpBlobStore implements BlobStore {

  private static final Logger LOG = LoggerFactory.getLogger(HttpBlobStore.class);
  private static final Set<String> PARAMS = Set.of("token", "retryFor", "timeout", "tlsKeyStore",
      "tlsTrustStore", "tlsPasswordEnv", "tlsPassword");

  static {
    // The JDK client reads bodies in 16 KiB buffers by default; blobs are ~1 MiB, and 256 KiB
    // buffers cut its CPU per MiB received by about a third (docs/bench/blob.md). Read once, when
    // the JDK's HTTP client is first used; an explicit -Djdk.httpclient.bufsize wins.
    if (System.getProperty("jdk.httpclient.bufsize") == null) {
      System.setProperty("jdk.httpclient.bufsize", Integer.toString(256 * 1024));
    }
  }

  private final URI base;
  private final String token;
  private final Duration retryFor;
  private final Duration timeout;
  private final HttpClient client;
  private volatile boolean closed;

  HttpBlobStore(URI base, String token, Duration retryFor, Duration timeout, BlobServerTls tls) {
    this.base = base;
    this.token = token;
    this.retryFor = retryFor;
    this.timeout = timeout;
    HttpClient.Builder b = HttpClient.newBuilder()
        .version(HttpClient.Version.HTTP_1_1)
        .connectTimeout(Duration.ofSeconds(5));
    if (tls != null) {
      b.sslContext(tls.context());
    }
    this.client = b.build();
  }

  static BlobStore open(URI uri) {
    if (uri.getHost() == null || uri.getPort() < 0) {
      throw new IllegalArgumentException("blob server URI '" + UriQuery.shown(uri.toString()) + "' must name a host and a port: http://host:port");
    }
    String token = System.getenv("QUORUMFS_BLOB_TOKEN");
    Duration retryFor = Duration.ofSeconds(30);
    Duration timeout = Duration.ofSeconds(60);
    String keyStore = null;
    String trustStore = null;
    String passwordEnv = null;
    String password = null;
    for (Map.Entry<String, String> param : UriQuery.of(uri).requireKnown("blob server URI", PARAMS).asMap().entrySet()) {
      String k = param.getKey();
      String v = param.getValue();
      switch (k) {
        case "token" -> token = v;
        case "retryFor" -> retryFor = seconds(uri, k, v);
        case "timeout" -> timeout = seconds(uri, k, v);
        case "tlsKeyStore" -> keyStore = v;
        case "tlsTrustStore" -> trustStore = v;
        case "tlsPasswordEnv" -> passwordEnv = v;
        case "tlsPassword" -> password = v;
        default -> throw new AssertionError(k);
      }
    }
    BlobServerTls tls = BlobServerTls.of(keyStore, trustStore, passwordEnv, password);
    if (tls != null && !"https".equals(uri.getScheme())) {
      throw new IllegalArgumentException("blob server URI '" + UriQuery.shown(uri.toString()) + "' has TLS parameters but scheme "
          + uri.getScheme() + "; use https://host:port");
    }
    URI base = URI.create(uri.getScheme() + "://" + uri.getRawAuthority());
    return new HttpBlobStore(base, token, retryFor, timeout, tls);
  }

  private static Duration seconds(URI uri, String k, String v) {
    try {
      double s = Double.parseDouble(v);
      if (s < 0) {
        throw new NumberFormatException();
      }
      return Duration.ofMillis((long) (s * 1000));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("parameter '" + k + "' of '" + UriQuery.shown(uri.toString()) + "' must be a number of seconds, got '" + v + "'");
    }
  }

  @Override
  public BlobId put(byte[] content) {
    BlobId id = BlobId.of(content);
    HttpResponse<byte[]> r = send(request(BlobProtocol.BLOBS + id.hex())
        .PUT(HttpRequest.BodyPublishers.ofByteArray(content)), "put of blob " + id);
    expect(r, id, 200, 201);
    return id;
  }

  @Override
  public byte[] get(BlobId id) {
    HttpResponse<byte[]> r = send(request(BlobProtocol.BLOBS + id.hex()).GET(), "get of blob " + id);
    expect(r, id, 200);
    byte[] body = r.body();
    if (!id.matches(body)) {
      throw new BlobCorruptException(id, "received " + body.length + " bytes from " + base + " that hash to " + BlobId.of(body));
    }
    return body;
  }

  @Override
  public byte[] get(BlobId id, long offset, int length) {
    if (offset < 0 || length < 0) {
      return Ranges.slice(id, new byte[0], offset, length); // throws with the usual message
    }
    if (length == 0) {
      BlobInfo info = info(id).orElseThrow(() -> new BlobNotFoundException(id, base.toString()));
      Ranges.clip(id, info.size(), offset, length);
      return new byte[0];
    }
    long last = offset + length - 1;
    HttpResponse<byte[]> r = send(request(BlobProtocol.BLOBS + id.hex())
        .header("Range", "bytes=" + offset + "-" + last).GET(), "range read of blob " + id);
    if (r.statusCode() == 416) {
      long size = r.headers().firstValueAsLong(BlobProtocol.SIZE_HEADER).orElse(-1);
      if (size == offset) {
        return new byte[0];
      }
      throw new IllegalArgumentException("offset " + offset + " is past the end of blob " + id + " (" + size + " bytes)");
    }
    expect(r, id, 206, 200);
    return r.statusCode() == 200 ? Ranges.slice(id, r.body(), offset, length) : r.body();
  }

  @Override
  public Optional<BlobInfo> info(BlobId id) {
    HttpResponse<byte[]> r = send(request(BlobProtocol.BLOBS + id.hex())
        .method("HEAD", HttpRequest.BodyPublishers.noBody()), "info of blob " + id);
    if (r.statusCode() == 404) {
      return Optional.empty();
    }
    expect(r, id, 200);
    long size = r.headers().firstValueAsLong(BlobProtocol.SIZE_HEADER)
        .orElseThrow(() -> new BlobException(base + " sent no " + BlobProtocol.SIZE_HEADER + " for blob " + id));
    long stamp = r.headers().firstValueAsLong(BlobProtocol.STAMP_HEADER).orElse(0);
    return Optional.of(new BlobInfo(id, size, Instant.ofEpochMilli(stamp)));
  }

  @Override
  public Set<BlobId> missing(Collection<BlobId> ids) {
    Set<BlobId> unique = new LinkedHashSet<>(ids);
    if (unique.isEmpty()) {
      return Set.of();
    }
    HttpResponse<byte[]> r = send(request(BlobProtocol.MISSING)
        .POST(HttpRequest.BodyPublishers.ofByteArray(BlobProtocol.encodeIds(unique))), "missing query of " + unique.size() + " ids");
    expect(r, null, 200);
    return new LinkedHashSet<>(BlobProtocol.decodeIds(r.body()));
  }

  @Override
  public int deleteIfOlder(Collection<BlobId> ids, Instant cutoff) {
    Set<BlobId> unique = new LinkedHashSet<>(ids);
    if (unique.isEmpty()) {
      return 0;
    }
    String path = BlobProtocol.DELETE + (cutoff.equals(Instant.MAX) ? "" : "?before=" + cutoff.toEpochMilli());
    HttpResponse<byte[]> r = send(request(path)
        .POST(HttpRequest.BodyPublishers.ofByteArray(BlobProtocol.encodeIds(unique))), "delete of " + unique.size() + " blobs");
    expect(r, null, 200);
    return Integer.parseInt(new String(r.body(), StandardCharsets.US_ASCII).trim());
  }

  @Override
  public BlobPage list(BlobId after, int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be > 0, got " + limit);
    }
    String path = BlobProtocol.LIST + "?limit=" + limit + (after == null ? "" : "&after=" + after.hex());
    HttpResponse<byte[]> r = send(request(path).GET(), "list");
    expect(r, null, 200);
    List<BlobInfo> infos = BlobProtocol.decodeInfos(r.body());
    boolean more = r.headers().firstValue(BlobProtocol.MORE_HEADER).map(Boolean::parseBoolean).orElse(false);
    return new BlobPage(infos, more);
  }

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return base.toString();
  }

  private HttpRequest.Builder request(String path) {
    if (closed) {
      throw new BlobException("blob store client for " + base + " is closed");
    }
    HttpRequest.Builder b = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout);
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  /** Sends with retries on connection failures and 503; other statuses are returned. */
  private HttpResponse<byte[]> send(HttpRequest.Builder b, String what) {
    HttpRequest req = b.build();
    long deadline = System.nanoTime() + retryFor.toNanos();
    long backoffMs = 50;
    int attempts = 0;
    while (true) {
      attempts++;
      String failure;
      Exception cause = null;
      try {
        HttpResponse<byte[]> r = client.send(req, HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 503) {
          return r;
        }
        failure = "503 " + message(r);
      } catch (IOException e) {
        cause = e;
        failure = e instanceof ConnectException ? "connection refused or unreachable" : e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BlobUnavailableException(what + " on " + base + " interrupted", e);
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new BlobUnavailableException("blob server " + base + " unavailable for " + what + " after "
            + attempts + " attempt(s) over " + retryFor.toMillis() + " ms: " + failure, cause);
      }
      LOG.debug("{} on {} failed (attempt {}): {}; retrying", what, base, attempts, failure);
      long sleep = Math.min(backoffMs + ThreadLocalRandom.current().nextLong(backoffMs / 2 + 1), left / 1_000_000 + 1);
      try {
        Thread.sleep(sleep);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new BlobUnavailableException(what + " on " + base + " interrupted", e);
      }
      backoffMs = Math.min(backoffMs * 2, 2000);
    }
  }

  private void expect(HttpResponse<byte[]> r, BlobId id, int... ok) {
    int s = r.statusCode();
    for (int o : ok) {
      if (s == o) {
        return;
      }
    }
    String msg = message(r);
    switch (s) {
      case 400:
        throw new IllegalArgumentException(base + " refused the request: " + msg);
      case 401:
        throw new BlobException(base + " refused the request (401 unauthorized): " + msg
            + " - set the token with QUORUMFS_BLOB_TOKEN or ?token=");
      case 404:
        if (id != null) {
          throw new BlobNotFoundException(id, base.toString());
        }
        break;
      case 413:
        throw new BlobTooLargeException(base + " refused the request (413): " + msg);
      case 500:
        if (id != null && "corrupt".equals(r.headers().firstValue(BlobProtocol.ERROR_HEADER).orElse(""))) {
          throw new BlobCorruptException(id, "server " + base + " reports: " + msg);
        }
        break;
      default:
        break;
    }
    throw new BlobException(base + " answered " + s + (id == null ? "" : " for blob " + id) + ": " + msg);
  }

  private static String message(HttpResponse<byte[]> r) {
    byte[] b = r.body();
    return b == null || b.length == 0 ? "(no message)" : new String(b, 0, Math.min(b.length, 2000), StandardCharsets.UTF_8).trim();
  }
}
