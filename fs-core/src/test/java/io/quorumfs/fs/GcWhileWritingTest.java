package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.blob.BlobGc;
import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.KvBlobStore;
import io.quorumfs.kv.MemKvStore;
import io.quorumfs.kv.Poll;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A chunk uploaded in the background while its file is still open is unreferenced until the
 * commit: a blob GC that runs meanwhile, past its grace period, may remove it. The commit must
 * then store it again, never reference a blob the store does not have.
 */
class GcWhileWritingTest {
  private static final int CHUNK = 64 * 1024;

  @Test
  void aChunkRemovedByGcBeforeItsCommit_isStoredAgainByTheCommit() throws Exception {
    SkewClock clock = new SkewClock();
    MemKvStore meta = new MemKvStore();
    MemKvStore blobKv = new MemKvStore();
    KvBlobStore blobs = KvBlobStore.builder(blobKv).clock(clock).build();
    FsConfig config = FsConfig.builder().chunkSize(CHUNK).background(false)
        .reclaimOnClose(true).build();
    byte[] data = new byte[CHUNK + 10];
    new Random(7).nextBytes(data);
    BlobId full = BlobId.of(java.util.Arrays.copyOf(data, CHUNK));
    try (FileSystem writer = FileSystems.open(meta, blobs, config)) {
      Opened o = writer.create(FileSystem.ROOT, "slow", 0644, 0, 0, FileSystem.O_WRONLY);
      writer.write(o.fh(), 0, data, 0, data.length); // the first chunk is full: uploaded at once
      Poll.until(Duration.ofSeconds(60), "background upload of the full chunk", () -> blobs.contains(full));

      // Hours later (a slow appender), a gc marks: the chunk is referenced by nothing yet.
      clock.advance(Duration.ofHours(3));
      GcMark.Marked marked = GcMark.liveBlobs(meta, config, Duration.ofSeconds(30));
      BlobGc gc = new BlobGc(blobs, clock);
      BlobGc.Report r = gc.sweep(gc.beginMark(), marked.live()::contains, Duration.ofHours(2));
      assertTrue(r.complete(), r::toString);
      assertEquals(1, r.deleted(), "the uploaded, uncommitted chunk is garbage to the gc: " + r);

      writer.release(o.fh()); // the commit
    }
    assertTrue(blobs.contains(full), "the committed chunk's blob is in the store");
    try (FileSystem reader = FileSystems.open(meta, blobs, config)) {
      Attr a = reader.lookup(FileSystem.ROOT, "slow");
      long fh = reader.open(a.ino(), FileSystem.O_RDONLY);
      byte[] got = new byte[data.length];
      assertEquals(data.length, reader.read(fh, 0, got, 0, got.length));
      reader.release(fh);
      assertArrayEquals(data, got);
    }
    List.of(meta, blobKv).forEach(MemKvStore::close);
  }
}
