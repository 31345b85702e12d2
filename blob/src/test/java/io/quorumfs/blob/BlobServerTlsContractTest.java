package io.quorumfs.blob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.UriQuery;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * The https:// client against a blob server with mutual TLS ({@link BlobServerTls}), over a
 * directory store: the whole contract through TLS with client certificates. One self-signed
 * certificate (made with keytool) is both the key and the trust of server and client. The key
 * stores sit in a directory whose name has a space and a {@code %}, percent-encoded in the URI.
 */
class BlobServerTlsContractTest extends BlobStoreContract {

  private static final String PASSWORD = "blob-tls-test";

  @TempDir
  static Path tmp;
  private static Path certs;

  @TempDir
  Path dir;
  private BlobStore backing;
  private BlobServer server;

  @BeforeAll
  static void makeCertificate() throws Exception {
    certs = Files.createDirectory(tmp.resolve("my keys 100%"));
    keytool("-genkeypair", "-alias", "node", "-keyalg", "EC", "-groupname", "secp256r1",
        "-dname", "CN=localhost", "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2",
        "-storetype", "PKCS12", "-keystore", "key.p12", "-storepass", PASSWORD);
    keytool("-exportcert", "-alias", "node", "-keystore", "key.p12", "-storepass", PASSWORD,
        "-file", "node.crt");
    keytool("-importcert", "-noprompt", "-alias", "node", "-file", "node.crt", "-storetype",
        "PKCS12", "-keystore", "trust.p12", "-storepass", PASSWORD);
  }

  private static void keytool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(certs.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
  }

  @Override
  protected BlobStore open(FakeClock clock) throws Exception {
    backing = DirBlobStore.open(dir, clock, REFRESH);
    server = BlobServer.builder(backing).listen(new InetSocketAddress("127.0.0.1", 0)).threads(4)
        .tls(new BlobServerTls(certs.resolve("key.p12"), certs.resolve("trust.p12"), PASSWORD))
        .start();
    assertEquals("https", server.uri().getScheme());
    String uri = UriQuery.with(server.uri() + "?retryFor=5", "tlsKeyStore", certs.resolve("key.p12").toString());
    uri = UriQuery.with(uri, "tlsTrustStore", certs.resolve("trust.p12").toString());
    assertTrue(uri.contains("/my%20keys%20100%25/"), uri);
    return BlobStores.open(UriQuery.with(uri, "tlsPassword", PASSWORD));
  }

  @Override
  protected void cleanUp() {
    server.close();
    backing.close();
  }
}
