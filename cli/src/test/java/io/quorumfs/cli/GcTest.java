package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.BlobStores;
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
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code quorumfs gc} on rocks:// metadata and file:// blobs: what it deletes and what it keeps. */
class GcTest {

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void gc_deletesOnlyUnreferencedBlobsOlderThanTheGrace_andDryRunDeletesNothing(@TempDir Path dir)
      throws Exception {
    deletesOnlyUnreferencedOldBlobs("rocks://" + dir.resolve("meta"), dir.resolve("blobs").toUri().toString(),
        100_000);
  }

  /** The command reports by default and deletes only with --delete; both at once is a usage error. */
  @Test
  void gcCommand_reportsByDefault_andDeletesOnlyWithDelete(@TempDir Path dir) throws Exception {
    String meta = "rocks://" + dir.resolve("meta");
    String blob = dir.resolve("blobs").toUri().toString();
    byte[] garbage = random(50_000, 3);
    BlobId garbageId = BlobId.of(garbage);
    try (KvStore kv = KvStores.open(meta); BlobStore blobs = BlobStores.open(blob);
        FileSystem fs = FileSystems.open(kv, blobs, FsConfig.defaults())) {
      fs.mkdir(FileSystem.ROOT, "d", 0755, 0, 0);
      blobs.put(garbage);
    }
    Instant afterPut = Instant.now();
    while (!Instant.now().isAfter(afterPut.plusMillis(2))) {
      Thread.onSpinWait(); // stamps have millisecond resolution: let the clock pass them
    }

    HelpTest.Result report = HelpTest.run("gc", "--grace-seconds", "0", "--meta", meta, "--blob", blob);
    assertEquals(ExitCode.OK, report.code(), report.err());
    assertTrue(report.out().contains("would delete 1 blobs"), report.out());
    try (BlobStore blobs = BlobStores.open(blob)) {
      assertTrue(blobs.contains(garbageId), "gc without --delete deleted a blob");
    }

    HelpTest.Result both = HelpTest.run("gc", "--delete", "--dry-run", "--meta", meta, "--blob", blob);
    assertEquals(ExitCode.USAGE, both.code(), both.out());
    assertTrue(both.err().contains("--delete and --dry-run"), both.err());

    HelpTest.Result delete = HelpTest.run("gc", "--delete", "--grace-seconds", "0", "--meta", meta,
        "--blob", blob);
    assertEquals(ExitCode.OK, delete.code(), delete.err());
    assertTrue(delete.out().contains("deleted 1 blobs"), delete.out());
    try (BlobStore blobs = BlobStores.open(blob)) {
      assertFalse(blobs.contains(garbageId), "gc --delete kept the unreferenced blob");
    }
  }

  /**
   * The gc scenario on any metadata and blob URI: a file of {@code keptBytes} and one unreferenced
   * blob; inside the grace nothing goes, a dry run reports the garbage and deletes nothing, a real
   * run deletes exactly it, and the file reads back.
   */
  static void deletesOnlyUnreferencedOldBlobs(String meta, String blob, int keptBytes) throws Exception {
    byte[] kept = random(keptBytes, 1);
    byte[] garbage = random(50_000, 2);
    BlobId garbageId = BlobId.of(garbage);
    try (KvStore kv = KvStores.open(meta); BlobStore blobs = BlobStores.open(blob);
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
    assertEquals(1, young.keptForGrace());

    Parts.GcReport dry = Parts.gc(meta, blob, true, 0, quiet);
    assertEquals(1, dry.removed(), "dry run reports the garbage: " + dry);
    try (BlobStore blobs = BlobStores.open(blob)) {
      assertTrue(blobs.contains(garbageId), "a dry run deletes nothing");
    }

    Parts.GcReport real = Parts.gc(meta, blob, false, 0, quiet);
    assertEquals(1, real.removed(), real.toString());
    assertEquals(1, real.unreferenced());
    assertTrue(real.referenced() >= 1, real.toString());

    try (KvStore kv = KvStores.open(meta); BlobStore blobs = BlobStores.open(blob);
        FileSystem fs = FileSystems.open(kv, blobs, FsConfig.defaults())) {
      assertFalse(blobs.contains(garbageId), "the unreferenced blob is gone");
      Attr a = fs.lookup(FileSystem.ROOT, "kept");
      long fh = fs.open(a.ino(), FileSystem.O_RDONLY);
      byte[] got = new byte[kept.length];
      for (int n = 0; n < got.length; ) {
        int r = fs.read(fh, n, got, n, got.length - n);
        assertTrue(r > 0, "short read at " + n);
        n += r;
      }
      fs.release(fh);
      assertArrayEquals(kept, got, "the referenced file reads back");
    }
  }
}
