package io.quorumfs.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BlobServerTest {

  @TempDir
  Path dir;
  private final List<AutoCloseable> open = new ArrayList<>();
  private final Random random = new Random(7);

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private <T extends AutoCloseable> T track(T c) {
    open.add(c);
    return c;
  }

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private DirBlobStore backing() {
    return track(DirBlobStore.open(dir.resolve("blobs")));
  }

  private BlobServer serve(BlobStore store, InetSocketAddress at, int maxBlob, String token) throws Exception {
    BlobServer.Builder b = BlobServer.builder(store).listen(at).threads(4).maxBlobBytes(maxBlob).token(token);
    return b.start();
  }

  private BlobStore client(BlobServer s, String params) {
    return track(BlobStores.open(s.uri() + "?retryFor=10" + params));
  }

  /** Sends raw HTTP/1.1 bytes and returns the whole response as text (the server closes after). */
  private static String raw(BlobServer s, String head, byte[] body, boolean shutOutput) throws Exception {
    try (Socket sock = new Socket(s.address().getAddress(), s.address().getPort())) {
      sock.setSoTimeout(10_000);
      OutputStream out = sock.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      if (shutOutput) {
        sock.shutdownOutput();
      }
      InputStream in = sock.getInputStream();
      byte[] buf = new byte[4096];
      StringBuilder sb = new StringBuilder();
      int r;
      while ((r = in.read(buf)) >= 0) {
        sb.append(new String(buf, 0, r, StandardCharsets.ISO_8859_1));
        if (sb.indexOf("\r\n\r\n") >= 0 && sb.indexOf("\n", sb.indexOf("\r\n\r\n") + 4) >= 0) {
          break;
        }
      }
      return sb.toString();
    }
  }

  @Test
  void concurrentClients_putAndGetTheirBlobs() throws Exception {
    BlobServer s = track(serve(backing(), new InetSocketAddress("127.0.0.1", 0), 16 << 20, null));
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int c = 0; c < 6; c++) {
        BlobStore client = client(s, "");
        byte[][] mine = new byte[10][];
        for (int i = 0; i < mine.length; i++) {
          mine[i] = bytes(50_000 + 1000 * c + i);
        }
        fs.add(pool.submit(() -> {
          for (byte[] b : mine) {
            BlobId id = client.put(b);
            assertArrayEquals(b, client.get(id));
          }
          return null;
        }));
      }
      for (Future<?> f : fs) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(60, client(s, "").list(null, 1000).blobs().size());
  }

  @Test
  void uploadOverTheSizeBound_isRefusedWith413NamingTheLimit() throws Exception {
    BlobServer s = track(serve(backing(), new InetSocketAddress("127.0.0.1", 0), 1 << 20, null));
    BlobStore c = client(s, "");
    byte[] big = bytes((1 << 20) + 1);
    BlobTooLargeException e = assertThrows(BlobTooLargeException.class, () -> c.put(big));
    assertTrue(e.getMessage().contains("413") && e.getMessage().contains("1048576"), e.getMessage());
    assertFalse(c.contains(BlobId.of(big)));
    c.put(bytes(1 << 20)); // at the bound: fine
  }

  @Test
  void truncatedUpload_isRefused_andNothingIsStored() throws Exception {
    DirBlobStore store = backing();
    BlobServer s = track(serve(store, new InetSocketAddress("127.0.0.1", 0), 1 << 20, null));
    byte[] data = bytes(10_000);
    BlobId id = BlobId.of(data);
    String head = "PUT /v1/blobs/" + id + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + data.length + "\r\n\r\n";
    String resp = raw(s, head, java.util.Arrays.copyOf(data, 4000), true);
    assertTrue(resp.startsWith("HTTP/1.1 400"), resp);
    assertTrue(resp.contains("truncated") && resp.contains("4000 of 10000"), resp);
    assertFalse(store.contains(id));
  }

  @Test
  void uploadNotMatchingItsId_isRefused_andNothingIsStored() throws Exception {
    DirBlobStore store = backing();
    BlobServer s = track(serve(store, new InetSocketAddress("127.0.0.1", 0), 1 << 20, null));
    byte[] data = bytes(1000);
    BlobId claimed = BlobId.of(bytes(10));
    String head = "PUT /v1/blobs/" + claimed + " HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nConnection: close\r\n\r\n";
    String resp = raw(s, head, data, false);
    assertTrue(resp.startsWith("HTTP/1.1 400"), resp);
    assertTrue(resp.contains("hash to " + BlobId.of(data)), resp);
    assertEquals(0, store.list(null, 10).blobs().size());
  }

  @Test
  void malformedId_isRefusedWith400NamingIt() throws Exception {
    BlobServer s = track(serve(backing(), new InetSocketAddress("127.0.0.1", 0), 1 << 20, null));
    String resp = raw(s, "GET /v1/blobs/not-a-hash HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", new byte[0], false);
    assertTrue(resp.startsWith("HTTP/1.1 400"), resp);
    assertTrue(resp.contains("malformed blob id 'not-a-hash'"), resp);
  }

  @Test
  void unreachableServer_failsWithAClearError() throws Exception {
    int port;
    try (ServerSocket ss = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = ss.getLocalPort();
    }
    BlobStore c = track(BlobStores.open("http://127.0.0.1:" + port + "?retryFor=0.5"));
    BlobUnavailableException e = assertThrows(BlobUnavailableException.class, () -> c.put(bytes(10)));
    assertTrue(e.getMessage().contains("127.0.0.1:" + port) && e.getMessage().contains("attempt"), e.getMessage());
  }

  @Test
  void token_isRequiredWhenSet() throws Exception {
    BlobServer s = track(serve(backing(), new InetSocketAddress("127.0.0.1", 0), 1 << 20, "s3cret"));
    BlobStore anonymous = client(s, "");
    BlobException e = assertThrows(BlobException.class, () -> anonymous.put(bytes(10)));
    assertTrue(e.getMessage().contains("401"), e.getMessage());
    BlobStore wrong = client(s, "&token=nope");
    assertThrows(BlobException.class, () -> wrong.missing(List.of(BlobId.of(new byte[1]))));
    BlobStore good = client(s, "&token=s3cret");
    byte[] data = bytes(100);
    assertArrayEquals(data, good.get(good.put(data)));
  }

  @Test
  void corruptBlobOnTheServer_failsTheReadNamingTheId() throws Exception {
    DirBlobStore store = backing();
    BlobServer s = track(serve(store, new InetSocketAddress("127.0.0.1", 0), 1 << 20, null));
    BlobStore c = client(s, "");
    BlobId id = c.put(bytes(5000));
    Corruption.flipByte(store.pathOf(id), 1234);
    BlobCorruptException e = assertThrows(BlobCorruptException.class, () -> c.get(id));
    assertEquals(id, e.id());
    assertTrue(e.getMessage().contains(id.hex()), e.getMessage());
    assertThrows(BlobCorruptException.class, () -> c.get(id, 10, 10));
  }

  @Test
  void serverRestart_whileAClientWrites_losesNothing() throws Exception {
    DirBlobStore store = backing();
    BlobServer first = serve(store, new InetSocketAddress("127.0.0.1", 0), 1 << 20, null);
    InetSocketAddress at = first.address();
    BlobStore c = client(first, "");
    List<BlobId> written = new ArrayList<>();
    List<byte[]> contents = new ArrayList<>();
    for (int i = 0; i < 120; i++) {
      contents.add(bytes(20_000 + i));
    }
    AtomicBoolean restarted = new AtomicBoolean();
    ExecutorService writer = Executors.newSingleThreadExecutor();
    try {
      Future<?> f = writer.submit(() -> {
        for (byte[] b : contents) {
          written.add(c.put(b)); // retries across the restart
        }
        return null;
      });
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (store.list(null, 100).blobs().size() < 20 && System.nanoTime() < deadline) {
        Thread.onSpinWait();
      }
      first.close();
      BlobServer second = track(serve(store, at, 1 << 20, null));
      restarted.set(true);
      f.get(60, TimeUnit.SECONDS);
      assertTrue(restarted.get());
      for (int i = 0; i < contents.size(); i++) {
        assertArrayEquals(contents.get(i), store.get(written.get(i)));
      }
      assertEquals(contents.size(), client(second, "").list(null, 1000).blobs().size());
    } finally {
      writer.shutdownNow();
    }
  }
}
