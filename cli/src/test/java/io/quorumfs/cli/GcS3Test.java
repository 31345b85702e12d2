package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.BlobStores;
import io.quorumfs.blob.s3.S3ProxyServer;
import io.quorumfs.cli.config.Config;
import io.quorumfs.cli.config.ConfigKeys;
import io.quorumfs.fs.Attr;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.fs.Opened;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file system on rocks:// metadata and s3:// blobs (S3Proxy): files read back, gc sweeps the bucket. */
class GcS3Test {

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

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
      String meta = "rocks://" + dir.resolve("meta");
      String blob = s3.uri("gc-test", "vol1");
      byte[] kept = random(3_000_000, 1); // several chunks
      byte[] garbage = random(50_000, 2);
      BlobId garbageId = BlobId.of(garbage);
      try (KvStore kv = KvStores.open(meta); BlobStore blobs = Parts.openBlobs(blob);
          FileSystem fs = FileSystems.open(kv, blobs, FsConfig.defaults())) {
        Opened o = fs.create(FileSystem.ROOT, "kept", 0644, 0, 0, FileSystem.O_WRONLY);
        fs.write(o.fh(), 0, kept, 0, kept.length);
        fs.release(o.fh());
        blobs.put(garbage); // an upload no file references
      }
      Instant afterPuts = Instant.now();
      while (!Instant.now().isAfter(afterPuts.plusMillis(2))) {
        Thread.onSpinWait(); // stamps have millisecond resolution: let the clock pass them
      }
      Progress quiet = new Progress(new PrintWriter(new StringWriter()), "gc", 0, false, System::nanoTime);

      Parts.GcReport young = Parts.gc(meta, blob, false, 3600, quiet);
      assertEquals(0, young.removed(), "inside the grace nothing goes: " + young);

      Parts.GcReport real = Parts.gc(meta, blob, false, 0, quiet);
      assertEquals(1, real.removed(), real.toString());
      assertTrue(real.referenced() >= 1, real.toString());

      try (KvStore kv = KvStores.open(meta); BlobStore blobs = BlobStores.open(blob);
          FileSystem fs = FileSystems.open(kv, blobs, FsConfig.defaults())) {
        assertFalse(blobs.contains(garbageId), "the unreferenced blob is gone");
        Attr a = fs.lookup(FileSystem.ROOT, "kept");
        long fh = fs.open(a.ino(), FileSystem.O_RDONLY);
        byte[] got = new byte[kept.length];
        int n = 0;
        while (n < got.length) {
          int r = fs.read(fh, n, got, n, got.length - n);
          assertTrue(r > 0, "short read at " + n);
          n += r;
        }
        fs.release(fh);
        assertArrayEquals(kept, got, "the referenced file reads back from the bucket");
      }
    }
  }
}
