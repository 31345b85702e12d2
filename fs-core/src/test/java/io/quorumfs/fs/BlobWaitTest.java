package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobInfo;
import io.quorumfs.blob.BlobNotFoundException;
import io.quorumfs.blob.BlobPage;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.DirBlobStore;
import io.quorumfs.blob.ForwardingBlobStore;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.MemKvStore;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reader on another client whose chunks are referenced by the metadata but not in its blob store
 * yet (a write-back writer acknowledged them and has not uploaded them): it waits, bounded, and
 * then fails with EIO naming the blob and the inode.
 */
class BlobWaitTest {
  private static final int CHUNK = 64 * 1024;

  @TempDir
  Path dir;
  private KvStore meta;
  private DirBlobStore writerSide;
  private DirBlobStore remote;

  @BeforeEach
  void open() {
    meta = new MemKvStore();
    writerSide = DirBlobStore.open(dir.resolve("writer-local"));
    remote = DirBlobStore.open(dir.resolve("remote"));
  }

  @AfterEach
  void close() {
    meta.close();
    writerSide.close();
    remote.close();
  }

  private FsConfig config(Duration blobWait) {
    return FsConfig.builder().chunkSize(CHUNK).blobWait(blobWait).build();
  }

  /** The remote as the reader sees it; the writer's blobs are "uploaded" at the reader's 3rd miss. */
  private BlobStore remoteUploadingAtMiss(int n, AtomicInteger misses) {
    return new ForwardingBlobStore(remote) {
      @Override
      public byte[] get(BlobId id) {
        try {
          return inner.get(id);
        } catch (BlobNotFoundException e) {
          if (misses.incrementAndGet() == n) {
            uploadAll();
          }
          throw e;
        }
      }

      @Override
      public void close() {
        // the test closes the stores
      }
    };
  }

  private void uploadAll() {
    BlobId after = null;
    while (true) {
      BlobPage p = writerSide.list(after, 100);
      for (BlobInfo b : p.blobs()) {
        remote.put(writerSide.get(b.id()));
      }
      if (!p.more()) {
        return;
      }
      after = p.next();
    }
  }

  private long writeFile(FileSystem writer, byte[] data) {
    Opened o = writer.create(FileSystem.ROOT, "f", 0644, 0, 0, FileSystem.O_RDWR);
    assertEquals(data.length, writer.write(o.fh(), 0, data, 0, data.length));
    writer.release(o.fh());
    return o.attr().ino();
  }

  private static byte[] readAll(FileSystem f, long ino, int len) {
    long fh = f.open(ino, FileSystem.O_RDONLY);
    try {
      byte[] buf = new byte[len];
      int done = 0;
      while (done < len) {
        int n = f.read(fh, done, buf, done, len - done);
        if (n == 0) {
          break;
        }
        done += n;
      }
      return buf;
    } finally {
      f.release(fh);
    }
  }

  @Test
  void read_ofAChunkNotYetUploaded_waitsForIt() {
    byte[] data = new byte[3 * CHUNK + 100];
    new Random(7).nextBytes(data);
    AtomicInteger misses = new AtomicInteger();
    try (FileSystem writer = FileSystems.open(meta, writerSide, config(Duration.ofSeconds(60)));
        FileSystem reader = FileSystems.open(meta, remoteUploadingAtMiss(3, misses),
            config(Duration.ofSeconds(120)))) {
      long ino = writeFile(writer, data);
      assertTrue(remote.missing(java.util.List.of(BlobId.of(java.util.Arrays.copyOf(data, CHUNK))))
          .size() == 1, "the chunks are only on the writer's side");
      assertArrayEquals(data, readAll(reader, ino, data.length));
      assertTrue(misses.get() >= 3, "the reader missed the chunk and waited: " + misses);
    }
  }

  @Test
  void read_ofAChunkThatNeverArrives_failsWithEioNamingBlobAndInode() {
    byte[] data = new byte[CHUNK / 2];
    new Random(8).nextBytes(data);
    AtomicInteger misses = new AtomicInteger();
    try (FileSystem writer = FileSystems.open(meta, writerSide, config(Duration.ofSeconds(60)));
        FileSystem reader = FileSystems.open(meta, remoteUploadingAtMiss(Integer.MAX_VALUE, misses),
            config(Duration.ZERO))) {
      long ino = writeFile(writer, data);
      long fh = reader.open(ino, FileSystem.O_RDONLY);
      try {
        FsException e = assertThrows(FsException.class, () -> reader.read(fh, 0, new byte[10], 0, 10));
        assertEquals(Errno.EIO, e.errno());
        assertTrue(e.getMessage().contains(BlobId.of(data).hex()), e.getMessage());
        assertTrue(e.getMessage().contains("inode " + ino), e.getMessage());
      } finally {
        reader.release(fh);
      }
    }
  }
}
