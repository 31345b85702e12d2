package io.quorumfs.blob.s3;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.quorumfs.blob.BlobCorruptException;
import io.quorumfs.blob.BlobException;
import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobInfo;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.BlobStores;
import io.quorumfs.blob.BlobUnavailableException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * s3:// as seen on the wire, through {@link ThrottlingProxy} in front of S3Proxy: throttling retried
 * by the SDK's configured policy, conditional and ranged requests, TLS and secrets.
 */
class S3BlobStoreWireTest {
  private static final AtomicInteger PREFIXES = new AtomicInteger();
  private static S3ProxyServer server;
  private ThrottlingProxy proxy;

  @BeforeAll
  static void startServer() throws Exception {
    server = new S3ProxyServer();
    server.createBucket("wire");
  }

  @AfterAll
  static void stopServer() {
    if (server != null) {
      server.close();
    }
  }

  @BeforeEach
  void startProxy() throws Exception {
    proxy = new ThrottlingProxy(server.port());
  }

  @AfterEach
  void stopProxy() throws Exception {
    proxy.close();
  }

  private String prefix;

  /** A store reaching S3Proxy through the proxy, on a fresh prefix, with {@code retries} attempts per request. */
  private BlobStore open(int retries) {
    prefix = "t" + PREFIXES.incrementAndGet();
    return BlobStores.open(server.uri("wire", prefix).replace(server.endpoint(), proxy.endpoint())
        .replace("retries=2", "retries=" + retries));
  }

  private static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private List<String> headsFor(BlobId id) {
    return proxy.heads().stream().filter(h -> h.contains(id.hex())).toList();
  }

  @Test
  void throttledFirstAttempts_areRetriedBySdk_andEveryOperationSucceeds() {
    try (BlobStore store = open(3)) {
      int opened = proxy.heads().size();
      proxy.throttle(ThrottlingProxy::firstAttempt);
      List<BlobId> ids = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        ids.add(store.put(bytes(100_000 + i, i)));
      }
      for (int i = 0; i < 4; i++) {
        assertArrayEquals(bytes(100_000 + i, i), store.get(ids.get(i)));
      }
      assertArrayEquals(java.util.Arrays.copyOfRange(bytes(100_000, 0), 500, 600), store.get(ids.get(0), 500, 100));
      BlobId absent = BlobId.of(new byte[] {1, 2, 3});
      assertEquals(Set.of(absent), store.missing(List.of(ids.get(0), ids.get(1), absent)));
      assertEquals(ids.stream().sorted().toList(),
          store.list(null, 10).blobs().stream().map(BlobInfo::id).toList());
      assertEquals(1, store.deleteIfOlder(List.of(ids.get(3)), Instant.MAX));

      // every request was first refused, then sent again by the SDK, which got through
      List<String> heads = proxy.heads().subList(opened, proxy.heads().size());
      long first = heads.stream().filter(ThrottlingProxy::firstAttempt).count();
      long second = heads.stream().filter(h -> h.contains("amz-sdk-request: attempt=2;")).count();
      assertTrue(first >= 20, "requests: " + first);
      assertEquals(first, proxy.throttled());
      assertEquals(first, second);
    }
  }

  @Test
  void throttledEveryAttempt_failsUnavailable_afterExactlyTheConfiguredAttempts() {
    try (BlobStore store = open(3)) {
      BlobId id = store.put(bytes(10_000, 7));
      proxy.throttle(h -> h.startsWith("GET ") && h.contains(id.hex()));
      BlobUnavailableException e = assertThrows(BlobUnavailableException.class, () -> store.get(id));
      assertTrue(e.getMessage().contains("get " + id), e.getMessage());
      List<String> gets = headsFor(id).stream().filter(h -> h.startsWith("GET ")).toList();
      assertEquals(3, gets.size(), "attempts: " + gets);
      for (int i = 0; i < 3; i++) {
        assertTrue(gets.get(i).contains("amz-sdk-request: attempt=" + (i + 1) + "; max=3"), gets.get(i));
      }
    }
  }

  @Test
  void put_isConditionalOnAbsence_a412MeansStoredAlready_a409IsUnavailable() {
    try (BlobStore store = open(2)) {
      byte[] data = bytes(5_000, 8);
      BlobId id = store.put(data);
      String put = headsFor(id).stream().filter(h -> h.startsWith("PUT ")).findFirst().orElseThrow();
      assertTrue(put.contains("if-none-match: *"), put);

      // another writer's object appeared between our HEAD and PUT: the server refuses the PUT with 412
      byte[] other = bytes(6_000, 9);
      BlobId otherId = BlobId.of(other);
      proxy.refuse(h -> h.startsWith("PUT ") && h.contains(otherId.hex()), 412, "Precondition Failed",
          "PreconditionFailed");
      assertEquals(otherId, store.put(other));
      assertEquals(1, proxy.throttled());

      // a conditional write racing another write of the key (S3's 409): unavailable, to be tried again
      byte[] third = bytes(7_000, 12);
      BlobId thirdId = BlobId.of(third);
      proxy.refuse(h -> h.startsWith("PUT ") && h.contains(thirdId.hex()), 409, "Conflict",
          "ConditionalRequestConflict");
      assertThrows(BlobUnavailableException.class, () -> store.put(third));
      proxy.throttle(h -> false);
      assertEquals(thirdId, store.put(third));
      assertArrayEquals(third, store.get(thirdId));
    }
  }

  @Test
  void rangeRead_ofAVerifiedObject_isARangedGetConditionalOnItsEtag() throws Exception {
    byte[] data = bytes(300_000, 10);
    BlobId id;
    try (BlobStore writer = open(2)) {
      id = writer.put(data);
      assertArrayEquals(java.util.Arrays.copyOfRange(data, 1000, 1100), writer.get(id, 1000, 100));
      String ranged = last(headsFor(id));
      assertTrue(ranged.startsWith("GET ") && ranged.contains("range: bytes=1000-1099")
          && ranged.contains("if-match: "), ranged);
    }
    // a store that has not verified the object reads it whole the first time, ranged after that
    try (BlobStore reader = BlobStores.open(server.uri("wire", prefix).replace(server.endpoint(), proxy.endpoint()))) {
      assertArrayEquals(java.util.Arrays.copyOfRange(data, 5, 10), reader.get(id, 5, 5));
      assertFalse(last(headsFor(id)).contains("range:"), last(headsFor(id)));
      assertArrayEquals(java.util.Arrays.copyOfRange(data, 299_990, 300_000), reader.get(id, 299_990, 100));
      assertTrue(last(headsFor(id)).contains("range: bytes=299990-299999"), last(headsFor(id)));
      assertEquals(0, reader.get(id, 300_000, 10).length);

      // replaced behind the store: the conditional GET fails, the whole read finds the damage
      byte[] damaged = data.clone();
      damaged[1234] ^= 1;
      server.raw().putObject(b -> b.bucket("wire").key(prefix + "/" + id.hex().substring(0, 2) + "/" + id.hex()),
          RequestBody.fromBytes(damaged));
      assertThrows(BlobCorruptException.class, () -> reader.get(id, 1200, 100));
      assertThrows(BlobCorruptException.class, () -> reader.get(id, 1200, 100));
    }
  }

  private static String last(List<String> l) {
    return l.get(l.size() - 1);
  }

  @Test
  void plainHttpEndpoint_onAHostThatIsNotLoopback_isRefusedNamingTheFix() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlobStores.open(
        "s3://b/p?endpoint=http://s3.internal.example:9000&access-key=a&secret-key=very-secret"));
    assertTrue(e.getMessage().contains("https://") && e.getMessage().contains("allow-http=true"), e.getMessage());
    assertFalse(e.getMessage().contains("very-secret"), e.getMessage());
    assertTrue(S3BlobStoreProvider.loopback("127.0.0.1"));
    assertTrue(S3BlobStoreProvider.loopback("127.8.9.10"));
    assertTrue(S3BlobStoreProvider.loopback("localhost"));
    assertTrue(S3BlobStoreProvider.loopback("[::1]"));
    assertFalse(S3BlobStoreProvider.loopback("10.0.0.1"));
    assertFalse(S3BlobStoreProvider.loopback("s3.internal.example"));
    assertFalse(S3BlobStoreProvider.loopback("[fd00::1]"));
  }

  @Test
  void open_accessDenied_namesTheBucketAndThePermissions() {
    proxy.refuse(h -> h.startsWith("HEAD /wire "), 403, "Forbidden", "AccessDenied");
    BlobException e = assertThrows(BlobException.class, () -> open(2));
    assertTrue(e.getMessage().contains("'wire'") && e.getMessage().contains("s3:ListBucket")
        && e.getMessage().contains("s3:GetObject") && e.getMessage().contains("s3:PutObject"), e.getMessage());
  }

  @Test
  void theSecret_appearsInNoLogLine_evenAtDebug_andInNoErrorMessage() {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    Level before = root.getLevel();
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.setContext(ctx);
    seen.start();
    root.addAppender(seen);
    root.setLevel(Level.DEBUG);
    List<String> messages = new ArrayList<>();
    try {
      try (BlobStore store = open(2)) {
        proxy.throttle(h -> h.startsWith("GET "));
        BlobId id = store.put(bytes(1000, 11));
        messages.add(assertThrows(BlobException.class, () -> store.get(id)).getMessage());
      }
      String wrong = server.uri("wire", "x").replace(S3ProxyServer.SECRET, "wrong-secret-value");
      messages.add(assertThrows(BlobException.class, () -> BlobStores.open(wrong)).getMessage());
    } finally {
      root.setLevel(before);
      root.detachAppender(seen);
    }
    assertTrue(seen.list.size() > 10, "debug logging was on: " + seen.list.size() + " events");
    for (ILoggingEvent ev : seen.list) {
      String text = ev.getFormattedMessage()
          + (ev.getThrowableProxy() == null ? "" : ThrowableProxyUtil.asString(ev.getThrowableProxy()));
      assertFalse(text.contains(S3ProxyServer.SECRET) || text.contains("wrong-secret-value"), text);
    }
    for (String m : messages) {
      assertFalse(m.contains(S3ProxyServer.SECRET) || m.contains("wrong-secret-value"), m);
    }
  }
}
