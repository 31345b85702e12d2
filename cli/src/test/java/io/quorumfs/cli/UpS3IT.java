package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.blob.s3.S3ProxyServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * bin/quorumfs up --blob s3://… against an in-process S3Proxy: files written through the FUSE mount
 * read back and their chunks are objects in the bucket. Credentials come from the environment
 * (the SDK's default chain), not the URI.
 */
class UpS3IT {

  private Path dir;
  private S3ProxyServer s3;
  private Launcher.Started up;

  @AfterEach
  void cleanUp() throws Exception {
    try {
      Launcher.stopAndDelete(up, dir);
    } finally {
      if (s3 != null) {
        s3.close();
      }
    }
  }

  @Test
  void up_withS3Blobs_writesAndReadsFilesThroughTheMount() throws Exception {
    s3 = new S3ProxyServer();
    s3.createBucket("up-it");
    dir = Files.createTempDirectory("quorumfs-up-s3-it");
    Path mnt = dir.resolve("mnt");
    String blob = "s3://up-it/vol?endpoint=" + s3.endpoint() + "&path-style=true&retries=3&timeout=30";
    up = Launcher.start(dir, "up", Map.of("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS,
        "AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET), "up", mnt.toString(),
        "--data-dir", dir.resolve("data").toString(), "--replicas", "1", "--blob", blob);
    assertTrue(Launcher.waitFor(Duration.ofSeconds(300), () -> stdout().contains("READY")
        || !up.process().isAlive()), "up did not get ready: " + up.stderr());
    assertTrue(up.process().isAlive(), "up exited: " + up.stdout() + up.stderr());
    assertTrue(up.stdout().contains("s3://up-it/vol"), up.stdout());

    Files.writeString(mnt.resolve("hello.txt"), "hello s3\n");
    byte[] big = new byte[3 << 20];
    new Random(16).nextBytes(big);
    Files.write(mnt.resolve("big.bin"), big);
    assertEquals("hello s3\n", Files.readString(mnt.resolve("hello.txt")));
    assertArrayEquals(big, Files.readAllBytes(mnt.resolve("big.bin")));
    int objects = s3.raw().listObjectsV2(b -> b.bucket("up-it").prefix("vol/")).keyCount();
    assertTrue(objects >= 2, "chunks in the bucket: " + objects);

    Launcher.sigint(up.process().pid());
    assertTrue(up.process().waitFor(90, TimeUnit.SECONDS), "up still running after SIGINT");
    assertTrue(Launcher.waitFor(Duration.ofSeconds(20), () -> !Launcher.mounted(mnt)), "mount left behind");
    assertFalse(Files.exists(mnt.resolve("big.bin")), "mount point still shows files");
  }

  private String stdout() {
    try {
      return up.stdout();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
