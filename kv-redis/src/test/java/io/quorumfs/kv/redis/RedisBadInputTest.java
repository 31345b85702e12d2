package io.quorumfs.kv.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvLimitException;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.KvUnavailableException;
import io.quorumfs.kv.Txn;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Wrong password, unreachable or silent servers, malformed URIs and limits: each a clear error. */
final class RedisBadInputTest {

  @RegisterExtension
  static final RedisServerExtension REDIS = new RedisServerExtension().withPassword("s3cret-pw");

  @Test
  void wrongPassword_failsToOpen_namingAuthenticationAndTheServer_withoutThePassword() {
    String uri = "redis://:not-it@" + REDIS.host() + ":" + REDIS.port() + "/0?prefix=auth";
    KvException e = assertThrows(KvException.class, () -> KvStores.open(uri));
    assertFalse(e instanceof KvUnavailableException, "a wrong password is not transient: " + e);
    assertTrue(e.getMessage().contains("authentication failed"), e.getMessage());
    assertTrue(e.getMessage().contains(REDIS.host() + ":" + REDIS.port()), e.getMessage());
    assertFalse(e.getMessage().contains("not-it"), "the message must not leak the password: " + e.getMessage());
  }

  @Test
  void wrongUser_failsToOpen_namingTheUser() {
    String uri = "redis://nobody:s3cret-pw@" + REDIS.host() + ":" + REDIS.port() + "/0?prefix=auth";
    KvException e = assertThrows(KvException.class, () -> KvStores.open(uri));
    assertTrue(e.getMessage().contains("authentication failed for user 'nobody'"), e.getMessage());
  }

  @Test
  void missingPassword_failsToOpen_namingAuthentication() {
    KvException e = assertThrows(KvException.class,
        () -> KvStores.open("redis://" + REDIS.host() + ":" + REDIS.port() + "/0?prefix=auth"));
    assertTrue(e.getMessage().contains("authentication failed"), e.getMessage());
  }

  @Test
  void rightPassword_withOrWithoutTheDefaultUser_opens() {
    for (String auth : List.of(":s3cret-pw@", "default:s3cret-pw@")) {
      try (KvStore s = KvStores.open("redis://" + auth + REDIS.host() + ":" + REDIS.port() + "/0?prefix=auth")) {
        assertTrue(s.commit(Txn.builder().put(Bytes.utf8("k"), Bytes.utf8("v")).build()).ok());
        assertFalse(s.toString().contains("s3cret"), s.toString());
      }
    }
  }

  @Test
  void unreachableHost_closedPort_failsQuickly_asUnavailable_namingHostPortAndCause() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    long t0 = System.nanoTime();
    KvUnavailableException e = assertThrows(KvUnavailableException.class,
        () -> KvStores.open("redis://127.0.0.1:" + closed + "/0?timeout=3s"));
    assertTrue(e.getMessage().contains("127.0.0.1:" + closed), e.getMessage());
    assertTrue(e.getMessage().toLowerCase().contains("refused"), e.getMessage());
    assertTrue(System.nanoTime() - t0 < 3_000_000_000L, "a refused connection must not wait for the timeout");
  }

  @Test
  void silentServer_failsWithinTheTimeout_asUnavailable_namingTheTimeout() throws Exception {
    List<Socket> accepted = new ArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            accepted.add(silent.accept()); // accept, never answer
          }
        } catch (IOException e) {
          // closed
        }
      });
      acceptor.setDaemon(true);
      acceptor.start();
      long t0 = System.nanoTime();
      KvUnavailableException e = assertThrows(KvUnavailableException.class,
          () -> KvStores.open("redis://127.0.0.1:" + silent.getLocalPort() + "/0?timeout=500ms"));
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(e.getMessage().contains("127.0.0.1:" + silent.getLocalPort()), e.getMessage());
      assertTrue(e.getMessage().contains("500 ms"), e.getMessage());
      assertTrue(ms < 10_000, "took " + ms + " ms");
    } finally {
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  @Test
  void malformedUris_throwIllegalArgument_namingThePart() {
    String base = "redis://" + REDIS.host() + ":" + REDIS.port();
    assertMessage(base + "/0?colour=red", "unknown redis parameter 'colour'");
    assertMessage(base + "/zero", "database number");
    assertMessage(base + "/0?prefix=has%20space", "'prefix'");
    assertMessage(base + "/0?timeout=soon", "'timeout'");
    assertMessage(base + "/0?history=0", "'history'");
    assertMessage(base + "/0?maxValue=-1", "'maxValue'");
    assertMessage(base + "/0?verifyPeer=none", "rediss://");
    assertMessage("rediss://127.0.0.1:1/0?verifyPeer=sometimes", "'verifyPeer'");
    assertMessage("rediss://127.0.0.1:1/0?cacert=/no/such/ca.pem", "/no/such/ca.pem");
    assertMessage("redis:///0", "host");
  }

  @Test
  void valueOverMaxValue_isRefusedWithKvLimitException_namingKeySizeAndLimit() {
    try (KvStore s = KvStores.open("redis://:s3cret-pw@" + REDIS.host() + ":" + REDIS.port() + "/0?prefix=lim&maxValue=1024")) {
      KvLimitException e = assertThrows(KvLimitException.class,
          () -> s.commit(Txn.builder().put(Bytes.utf8("small"), new byte[1]).put(Bytes.utf8("big"), new byte[1025])
              .build()));
      assertTrue(e.getMessage().contains("'big'") && e.getMessage().contains("1025") && e.getMessage().contains("1024"),
          e.getMessage());
      assertFalse(s.get(Bytes.utf8("small")).exists(), "nothing of a refused txn is applied");
      assertTrue(s.commit(Txn.builder().put(Bytes.utf8("big"), new byte[1024]).build()).ok());
    }
  }

  @Test
  void txnOverMaxTxnSize_isRefused_namingTheLimit() {
    try (KvStore s = KvStores.open("redis://:s3cret-pw@" + REDIS.host() + ":" + REDIS.port() + "/0?prefix=lim2")) {
      Txn.Builder b = Txn.builder();
      for (int i = 0; i <= s.maxTxnSize(); i++) {
        b.requireAbsent(Bytes.utf8("k"));
      }
      KvLimitException e = assertThrows(KvLimitException.class, () -> s.commit(b.build()));
      assertTrue(e.getMessage().contains(Integer.toString(s.maxTxnSize())), e.getMessage());
      assertEquals(0, s.revision());
    }
  }

  private static void assertMessage(String uri, String part) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> KvStores.open(uri), uri);
    assertTrue(e.getMessage().contains(part), "'" + e.getMessage() + "' should name " + part);
  }
}
