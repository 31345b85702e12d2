package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.quorumfs.blob.s3.S3ProxyServer;
import io.quorumfs.cli.config.Config;
import io.quorumfs.cli.config.ConfigKeys;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file system on rocks:// metadata and s3:// blobs (S3Proxy): files read back, gc sweeps the bucket. */
class GcS3Test {

  @Test
  void s3BlobUri_isAcceptedByTheConfig() {
    String uri = "s3://bucket/prefix?region=eu-west-1";
    assertEquals(uri, Config.builder().env(Map.of()).option(ConfigKeys.BLOB_URI, uri, "--blob").build()
        .get(ConfigKeys.BLOB_URI));
  }

  @Test
  void gc_onS3Blobs_deletesOnlyTheUnreferencedBlob_andFilesReadBack(@TempDir Path dir) throws Exception {
    try (S3ProxyServer s3 = new S3ProxyServer()) {
      s3.createBucket("gc-test");
      GcTest.deletesOnlyUnreferencedOldBlobs("rocks://" + dir.resolve("meta"), s3.uri("gc-test", "vol1"),
          3_000_000); // several chunks
    }
  }
}
