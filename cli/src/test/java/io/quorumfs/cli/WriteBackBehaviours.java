package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.MetricRegistry;
import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobNotFoundException;
import io.quorumfs.blob.BlobUnavailableException;
import io.quorumfs.blob.ForwardingBlobStore;
import io.quorumfs.blob.PairedBlobStore;
import io.quorumfs.blob.BlobPage;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.BlobStores;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.fs.Fsck;
import io.quorumfs.fs.Opened;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.MemKvStore;
import io.quorumfs.kv.Poll;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Write-back mounts as {@code quorumfs mount --write-back} wires them ({@link Mounts#blobs}), with a
 * writer client A in write-back mode and a reader client B that reads the remote blob store
 * directly (write-through), on one metadata store. Subclasses name the remote.
 */
abstract class WriteBackBehaviours {
  static final int CHUNK = 64 * 1024;
  private static final Duration PATIENCE = Duration.ofSeconds(120);

  @TempDir
  Path dir;
  KvStore meta;
  BlobStore remote;
  private String remoteUri;
  private final Deque<AutoCloseable> opened = new ArrayDeque<>();

  /** A fresh, empty remote blob store URI per call. */
  abstract String freshRemoteUri();

  @BeforeEach
  void openStores() {
    meta = new MemKvStore();
    remoteUri = freshRemoteUri();
    remote = BlobStores.open(remoteUri);
  }

  @AfterEach
  void closeStores() throws Exception {
    while (!opened.isEmpty()) {
      opened.pop().close();
    }
    remote.close();
    meta.close();
  }

  FsConfig config() {
    return FsConfig.builder().chunkSize(CHUNK).blobWait(PATIENCE).build();
  }

  /** The write-back blob store of a mount with this cache dir and disk cache bound. */
  BlobStore writeBack(Path cacheDir, long diskCacheBytes) {
    Parts.MountSpec spec = new Parts.MountSpec("mem:", remoteUri, dir.resolve("mnt"), cacheDir,
        16L << 20, true, diskCacheBytes, PATIENCE, null, false, false);
    Deque<AutoCloseable> mine = new ArrayDeque<>();
    BlobStore b = Mounts.blobs(spec, mine, new MetricRegistry());
    mine.descendingIterator().forEachRemaining(opened::push);
    return b;
  }

  FileSystem client(BlobStore blobs) {
    FileSystem fs = FileSystems.open(meta, blobs, config());
    opened.push(fs::close);
    return fs;
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static long write(FileSystem fs, String name, byte[] data) {
    Opened o = fs.create(FileSystem.ROOT, name, 0644, 0, 0, FileSystem.O_RDWR);
    assertEquals(data.length, fs.write(o.fh(), 0, data, 0, data.length));
    fs.release(o.fh());
    return o.attr().ino();
  }

  static byte[] read(FileSystem fs, String name) {
    long ino = fs.lookup(FileSystem.ROOT, name).ino();
    long fh = fs.open(ino, FileSystem.O_RDONLY);
    try {
      byte[] buf = new byte[(int) fs.getattr(ino).size()];
      int done = 0;
      while (done < buf.length) {
        int n = fs.read(fh, done, buf, done, buf.length - done);
        if (n == 0) {
          break;
        }
        done += n;
      }
      return Arrays.copyOf(buf, done);
    } finally {
      fs.release(fh);
    }
  }

  /** The ids of the fixed-size chunks fs-core cuts {@code data} into. */
  static List<BlobId> chunkIds(byte[] data) {
    List<BlobId> ids = new ArrayList<>();
    for (int off = 0; off < data.length; off += CHUNK) {
      ids.add(BlobId.of(Arrays.copyOfRange(data, off, Math.min(data.length, off + CHUNK))));
    }
    return ids;
  }

  void awaitUploaded(List<BlobId> ids) {
    Poll.until(PATIENCE, ids.size() + " chunks to reach " + remote,
        () -> remote.missing(ids).isEmpty());
  }

  static long bytesUnder(Path p) {
    try (Stream<Path> s = Files.walk(p)) {
      return s.filter(Files::isRegularFile).mapToLong(f -> {
        try {
          return Files.size(f);
        } catch (IOException e) {
          return 0; // removed meanwhile
        }
      }).sum();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void contentCollectedRemotely_isUploadedAgain_whenWrittenAgain() {
    FileSystem a = client(writeBack(dir.resolve("cache-a"), 64L << 20));
    FileSystem b = client(remote);
    byte[] data = random(3 * CHUNK + 1000, 1);
    List<BlobId> ids = chunkIds(data);
    write(a, "first", data);
    awaitUploaded(ids);
    assertArrayEquals(data, read(a, "first")); // A keeps the chunks locally
    a.unlink(FileSystem.ROOT, "first");
    // the blob GC removes the now unreferenced chunks from the remote
    assertEquals(ids.size(), remote.deleteIfOlder(ids, Instant.now().plusSeconds(60)));
    assertEquals(Set.copyOf(ids), remote.missing(ids));

    write(a, "second", data); // the same content again: A still has it locally
    assertArrayEquals(data, read(b, "second"), "B reads what A wrote, from the remote");
    awaitUploaded(ids);
    Fsck.Report r = Fsck.run(meta, remote, config(), false);
    assertTrue(r.clean(), () -> "fsck against the remote: " + r.problems());
  }

  @Test
  void remote_neverServesAPartialOrDamagedBlob_whileABacklogDrains() throws Exception {
    FileSystem a = client(writeBack(dir.resolve("cache-a"), 64L << 20));
    List<byte[]> files = new ArrayList<>();
    Set<BlobId> expected = new HashSet<>();
    for (int i = 0; i < 48; i++) {
      byte[] d = random(4 * CHUNK, 100 + i);
      files.add(d);
      expected.addAll(chunkIds(d));
    }
    ConcurrentLinkedQueue<String> bad = new ConcurrentLinkedQueue<>();
    Set<BlobId> verified = new HashSet<>();
    Thread checker = new Thread(() -> {
      long deadline = System.nanoTime() + PATIENCE.toNanos();
      while (verified.size() < expected.size() && System.nanoTime() < deadline) {
        BlobId after = null;
        while (true) {
          BlobPage p = remote.list(after, 500);
          for (var info : p.blobs()) {
            if (verified.contains(info.id())) {
              continue;
            }
            try {
              remote.get(info.id());
              verified.add(info.id());
            } catch (BlobNotFoundException e) {
              // listed, then gone: not a partial blob
            } catch (RuntimeException e) {
              bad.add(info.id() + ": " + e);
            }
          }
          if (!p.more()) {
            break;
          }
          after = p.next();
        }
      }
    }, "remote-checker");
    checker.start();
    for (int i = 0; i < files.size(); i++) {
      write(a, "f" + i, files.get(i));
    }
    checker.join();
    assertTrue(bad.isEmpty(), () -> "the remote served partial or damaged blobs: " + bad);
    assertEquals(expected, verified, "every chunk reached the remote whole");
  }

  @Test
  void diskCache_shrinksToItsBound_onceUploaded() {
    long bound = 2L << 20;
    Path cache = dir.resolve("cache-a");
    FileSystem a = client(writeBack(cache, bound));
    List<BlobId> ids = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      byte[] d = random(16 * CHUNK, 200 + i); // 1 MiB each, 12 MiB in all
      ids.addAll(chunkIds(d));
      write(a, "f" + i, d);
    }
    awaitUploaded(ids);
    long slack = 1L << 20; // the outbox's own files (RocksDB log, manifest, options)
    Poll.until(PATIENCE, "the local cache to shrink to " + bound + " bytes (+ " + slack + ")",
        () -> bytesUnder(cache) <= bound + slack);
  }

  @Test
  void restart_withABacklog_resumesUploads_andAReaderWaitsForThem() throws Exception {
    Path cache = dir.resolve("cache-a");
    byte[] data = random(40 * CHUNK + 7, 5);
    List<BlobId> ids = chunkIds(data);
    // first run: the remote refuses uploads, so everything stays in the outbox
    BlobStore refusing = new ForwardingBlobStore(BlobStores.open(remoteUri)) {
      @Override
      public BlobId put(byte[] content) {
        throw new BlobUnavailableException("remote down (test)");
      }

      @Override
      public void putHashed(BlobId id, byte[] content) {
        throw new BlobUnavailableException("remote down (test)");
      }
    };
    PairedBlobStore first = Mounts.writeBack(refusing, cache, 64L << 20);
    try (FileSystem a = FileSystems.open(meta, first, config())) {
      write(a, "big", data);
      assertEquals(ids.size(), first.pendingUploads(), "acknowledged, not uploaded");
    } finally {
      first.close(); // the client stops with its backlog
    }
    assertEquals(Set.copyOf(ids), remote.missing(ids));

    FileSystem b = client(remote);
    CompletableFuture<byte[]> reading = CompletableFuture.supplyAsync(() -> read(b, "big"));
    PairedBlobStore second = Mounts.writeBack(BlobStores.open(remoteUri), cache, 64L << 20);
    opened.push(second::close);
    assertArrayEquals(data, reading.get(PATIENCE.toSeconds(), TimeUnit.SECONDS),
        "B waited for the upload the restarted client resumed");
    assertTrue(second.awaitUploads(PATIENCE), "the outbox drains");
    awaitUploaded(ids);
    Fsck.Report r = Fsck.run(meta, remote, config(), false);
    assertTrue(r.clean(), () -> "fsck against the remote: " + r.problems());
  }
}
