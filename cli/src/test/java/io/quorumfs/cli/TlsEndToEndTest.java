package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.BlobStores;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.fs.Opened;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * TLS end to end, in one JVM: three replicas and a blob server with mutual TLS, certificates
 * made here with keytool ({@link TestCerts}); the CLI's status, fsck and gc with --tls reach them; a file written
 * through fs-core over TLS reads back; clients with an untrusted certificate, or none, are
 * refused and the refusal is logged on quorumfs.conn.
 *
 * <p>The stores' password is the value of PATH: the password is always read from an environment
 * variable (tls.password-env), and a test cannot set one in its own JVM.
 */
class TlsEndToEndTest {

  private static final String PW_ENV = "PATH";

  @TempDir
  static Path certs;

  @TempDir
  Path dir;

  private final List<Parts.Running> running = new ArrayList<>();
  private ListAppender<ILoggingEvent> conn;

  @BeforeAll
  static void makeCertificates() throws Exception {
    TestCerts.make(certs, System.getenv(PW_ENV));
  }

  @AfterEach
  void stop() {
    for (int i = running.size() - 1; i >= 0; i--) {
      running.get(i).close();
    }
    if (conn != null) {
      ((Logger) LoggerFactory.getLogger("quorumfs.conn")).detachAppender(conn);
    }
  }

  private TlsOptions.Settings settings(String keyStore) {
    return new TlsOptions.Settings(certs.resolve(keyStore), certs.resolve("trust.p12"), PW_ENV,
        System.getenv(PW_ENV));
  }

  private String[] tlsFlags() {
    return new String[] {"--tls", "--tls-key-store", certs.resolve("node.p12").toString(),
        "--tls-trust-store", certs.resolve("trust.p12").toString(), "--tls-password-env", PW_ENV};
  }

  private static String[] concat(String[] a, String... b) {
    String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  @Test
  void replicasAndBlobServer_withMutualTls_serveTheCli_andRefuseForeignCertificates()
      throws Exception {
    conn = new ListAppender<>();
    conn.start();
    ((Logger) LoggerFactory.getLogger("quorumfs.conn")).addAppender(conn);

    List<Parts.Peer> peers = List.of(new Parts.Peer("n1", "127.0.0.1", Endpoints.freePort()),
        new Parts.Peer("n2", "127.0.0.1", Endpoints.freePort()),
        new Parts.Peer("n3", "127.0.0.1", Endpoints.freePort()));
    for (Parts.Peer p : peers) {
      running.add(Parts.startMeta(new Parts.MetaSpec(p.id(), "meta", peers,
          "rocks://" + dir.resolve(p.id() + "-store"),
          dir.resolve(p.id()), Optional.of(settings("node.p12")))));
    }
    Parts.Running blob = Parts.startBlobServer("file://" + dir.resolve("blobs"), "127.0.0.1:0",
        Optional.of(settings("node.p12")));
    running.add(blob);
    assertTrue(blob.where().startsWith("https://127.0.0.1:"), blob.where());
    String plainMeta = Parts.raftUri(peers, "meta");
    String plainBlob = blob.where().replace("https://", "http://");

    // status over TLS, as an operator runs it (http:// blob URIs are switched to https://)
    String[] client = concat(tlsFlags(), "--meta", plainMeta, "--blob", plainBlob);
    assertTrue(Launcher.waitFor(Duration.ofSeconds(90),
        () -> HelpTest.run(concat(new String[] {"status"}, client)).code() == 0),
        "no leader over TLS: " + HelpTest.run(concat(new String[] {"status"}, client)).err());
    HelpTest.Result status = HelpTest.run(concat(new String[] {"status", "--json"}, client));
    assertEquals(3, status.out().split("\"role\"").length - 1, status.out());
    assertTrue(status.out().contains("\"LEADER\""), status.out());

    // a file through fs-core, metadata over raft+TLS, data over HTTPS with a client certificate
    TlsOptions.Settings s = settings("node.p12");
    byte[] data = "written over mutual TLS\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
    try (KvStore meta = KvStores.open(s.decorate(plainMeta));
         BlobStore blobs = BlobStores.open(TlsOptions.blobUri(plainBlob, Optional.of(s)))) {
      FileSystem fs = FileSystems.open(meta, blobs, FsConfig.defaults());
      try {
        Opened o = fs.create(FileSystem.ROOT, "tls.txt", 0644, 0, 0, FileSystem.O_RDWR);
        fs.write(o.fh(), 0, data, 0, data.length);
        fs.release(o.fh());
        long fh = fs.open(fs.lookup(FileSystem.ROOT, "tls.txt").ino(), FileSystem.O_RDONLY);
        byte[] back = new byte[data.length];
        assertEquals(data.length, fs.read(fh, 0, back, 0, back.length));
        fs.release(fh);
        assertArrayEquals(data, back);

        // status shows this open file system as a connected client, and the stores' sizes
        HelpTest.Result st = HelpTest.run(concat(new String[] {"status", "--json"}, client));
        assertEquals(0, st.code(), st.err());
        assertEquals(1, st.out().split("\"session\":").length - 1, st.out());
        assertTrue(st.out().contains("\"session\":" + fs.sessionId() + ","), st.out());
        assertTrue(st.out().matches("(?s).*\"storeBytes\":[1-9][0-9]*,\"raftBytes\":[1-9].*"),
            st.out());
        HelpTest.Result table = HelpTest.run(concat(new String[] {"status"}, client));
        assertTrue(table.out().contains("clients: 1 connected"), table.out());
        assertTrue(table.out().contains(" STORE ") && table.out().contains(" RAFT "), table.out());
      } finally {
        fs.close();
      }
    }

    // fsck (reading every byte back) and gc through the CLI's TLS options
    HelpTest.Result fsck = HelpTest.run(concat(new String[] {"fsck", "--read-data"}, client));
    assertEquals(0, fsck.code(), fsck.out() + fsck.err());
    assertTrue(fsck.out().contains("fsck: clean"), fsck.out());
    HelpTest.Result gc = HelpTest.run(concat(new String[] {"gc", "--dry-run"}, client));
    assertEquals(0, gc.code(), gc.out() + gc.err());

    // a replica refuses a client whose certificate it does not trust, and logs it
    String rogueMeta = settings("rogue.p12").decorate(plainMeta) + "&timeout=3s&requestTimeout=1s";
    assertThrows(RuntimeException.class, () -> {
      try (KvStore k = KvStores.open(rogueMeta)) {
        k.get("k".getBytes(StandardCharsets.UTF_8));
      }
    });
    assertTrue(Launcher.waitFor(Duration.ofSeconds(10),
        () -> logged("refused client certificate 'CN=rogue' on a replica channel")), events());

    // the blob server refuses the same client, and one without any certificate, and logs both
    String rogueBlob = settings("rogue.p12").decorate(blob.where()) + "&retryFor=0";
    BlobId id = BlobId.of(data);
    assertThrows(RuntimeException.class, () -> {
      try (BlobStore b = BlobStores.open(rogueBlob)) {
        b.get(id);
      }
    });
    assertTrue(Launcher.waitFor(Duration.ofSeconds(10),
        () -> logged("refused client certificate 'CN=rogue'")), events());

    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    java.security.KeyStore ts = java.security.KeyStore.getInstance("PKCS12");
    try (var in = java.nio.file.Files.newInputStream(certs.resolve("trust.p12"))) {
      ts.load(in, System.getenv(PW_ENV).toCharArray());
    }
    tmf.init(ts);
    SSLContext noCert = SSLContext.getInstance("TLS");
    noCert.init(null, tmf.getTrustManagers(), null);
    HttpResponse<String> r = HttpClient.newBuilder().sslContext(noCert).build().send(
        HttpRequest.newBuilder(URI.create(blob.where() + "/v1/blobs/" + id)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(401, r.statusCode(), r.body());
    assertTrue(logged("no client certificate"), events());

    // a plain-HTTP client gets nowhere either
    assertThrows(RuntimeException.class, () -> {
      try (BlobStore b = BlobStores.open(plainBlob + "?retryFor=0")) {
        b.get(id);
      }
    });
  }

  private boolean logged(String text) {
    synchronized (conn) {
      return conn.list.stream().anyMatch(e -> e.getFormattedMessage().contains(text));
    }
  }

  private String events() {
    synchronized (conn) {
      return conn.list.stream().map(ILoggingEvent::getFormattedMessage).toList().toString();
    }
  }
}
