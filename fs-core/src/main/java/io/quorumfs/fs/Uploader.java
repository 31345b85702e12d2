package io.quorumfs.fs;

import io.quorumfs.blob.BlobException;
import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobStore;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;

/**
 * Chunk uploads off the writer's thread. A chunk that a handle's writes fill entirely is hashed and
 * stored on a small pool while the writer keeps buffering ({@link #start}); its commit later waits
 * for that upload ({@link #await}) instead of doing it. Chunks that are committed without one are
 * stored in parallel ({@link #storeAll}). Each upload is a complete, durable {@link BlobStore}
 * put, so a chunk map entry is only ever committed after its blob is durable.
 */
final class Uploader {
  private final BlobStore blobs;
  private final ExecutorService pool;

  Uploader(BlobStore blobs, ExecutorService pool) {
    this.blobs = blobs;
    this.pool = pool;
  }

  /** Starts hashing and storing the full chunk {@code d} (caller holds its handle's lock). */
  void start(WriteBuffer.Dirty d) {
    byte[] content = d.data;
    try {
      d.upload = CompletableFuture.supplyAsync(() -> {
        BlobId id = BlobId.of(content);
        blobs.putHashed(id, content);
        return id;
      }, pool);
      d.sealed = content;
    } catch (RejectedExecutionException e) {
      d.upload = null; // closing: the commit stores it itself
    }
  }

  /** The id of {@code d}'s background upload once it is stored, or null if it failed (store it again). */
  BlobId await(WriteBuffer.Dirty d) {
    try {
      return d.upload.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FsException(Errno.EINTR, "interrupted while waiting for a chunk upload");
    } catch (ExecutionException e) {
      return null;
    }
  }

  /** Stores the blobs of {@code contents} the store lacks, in parallel when there are several. */
  void storeAll(Map<BlobId, byte[]> contents, long ino) {
    if (contents.isEmpty()) {
      return;
    }
    try {
      Set<BlobId> missing = blobs.missing(contents.keySet());
      if (missing.size() == 1) {
        BlobId id = missing.iterator().next();
        blobs.putHashed(id, contents.get(id));
        return;
      }
      List<CompletableFuture<Void>> puts = new ArrayList<>();
      for (BlobId id : missing) {
        byte[] c = contents.get(id);
        try {
          puts.add(CompletableFuture.runAsync(() -> blobs.putHashed(id, c), pool));
        } catch (RejectedExecutionException e) {
          blobs.putHashed(id, c);
        }
      }
      for (CompletableFuture<Void> f : puts) {
        f.get();
      }
    } catch (BlobException e) {
      throw new FsException(Errno.EIO, "uploading chunks of inode " + ino + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FsException(Errno.EINTR, "interrupted while uploading chunks of inode " + ino);
    } catch (ExecutionException e) {
      throw new FsException(Errno.EIO, "uploading chunks of inode " + ino + ": " + e.getCause(), e.getCause());
    }
  }
}
