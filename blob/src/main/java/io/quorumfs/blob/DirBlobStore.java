package io.quorumfs.blob;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * {@code file:///path}: one file per blob, the embedded default.
 *
 * <pre>
 *   root/ab/abcdef...   a blob, named by its 64-digit hex id, in a subdirectory named by the first
 *                       two digits (256 fan-out directories, created on demand)
 *   root/tmp/           uploads in progress
 *   root/trash/         blobs being deleted by {@link #deleteIfOlder}
 * </pre>
 * A put writes a temp file, fsyncs it, sets its modification time (the stamp) from the clock,
 * renames it into place atomically and fsyncs the directory: a crash leaves either the whole blob
 * or no file under the id. A delete renames the blob into trash first, then re-checks its stamp,
 * so a put that refreshed the stamp concurrently wins. Several processes may share the directory on
 * one local file system.
 *
 * <p>Range reads: the first read of a blob through this instance (whole or ranged) reads and
 * verifies all of it; after that, and for blobs this instance wrote (hashed by the writer), a
 * {@link #get(BlobId, long, int)} reads only the range (one pread) as long as the file keeps the
 * size it had when verified. The local disk is trusted from that point on, as the page cache
 * is; a whole-blob {@link #get(BlobId)} always verifies. Up to {@value #MAX_VERIFIED} ids are
 * remembered (then the memory starts over).
 */
public final class DirBlobStore implements BlobStore, KnownIdPut {

  private static final Duration STALE_TMP = Duration.ofHours(1);
  static final int MAX_VERIFIED = 1 << 20;

  private final Path root;
  private final Path tmp;
  private final Path trash;
  private final Clock clock;
  private final Duration refreshAfter;
  private final int maxBlobBytes;
  private final Set<String> knownDirs = ConcurrentHashMap.newKeySet();
  /** Blobs verified or written by this instance, with the size they had then. */
  private final ConcurrentHashMap<BlobId, Integer> verified = new ConcurrentHashMap<>();
  private volatile boolean closed;

  private DirBlobStore(Path root, Clock clock, Duration refreshAfter, int maxBlobBytes) {
    this.root = root.toAbsolutePath();
    this.tmp = this.root.resolve("tmp");
    this.trash = this.root.resolve("trash");
    this.clock = clock;
    this.refreshAfter = refreshAfter;
    this.maxBlobBytes = maxBlobBytes;
    try {
      Files.createDirectories(tmp);
      Files.createDirectories(trash);
      fsyncDir(this.root);
      cleanStale(tmp);
      cleanStale(trash);
    } catch (IOException e) {
      throw new BlobException("cannot open blob directory " + this.root + ": " + e, e);
    }
  }

  /** Opens (creating if needed) a store in {@code root} with the system clock. */
  public static DirBlobStore open(Path root) {
    return open(root, Clock.systemUTC(), Duration.ofHours(1));
  }

  /**
   * Opens a store in {@code root}; {@code clock} stamps blobs, {@code refreshAfter} is the age at
   * which put and missing refresh a present blob's stamp.
   */
  public static DirBlobStore open(Path root, Clock clock, Duration refreshAfter) {
    return new DirBlobStore(root, clock, refreshAfter, Integer.MAX_VALUE - 16);
  }

  /** The directory of this store. */
  public Path root() {
    return root;
  }

  /** Where the blob {@code id} lives (whether or not it exists). */
  public Path pathOf(BlobId id) {
    String hex = id.hex();
    return root.resolve(hex.substring(0, 2)).resolve(hex);
  }

  @Override
  public BlobId put(byte[] content) {
    Objects.requireNonNull(content, "content");
    BlobId id = BlobId.of(content);
    putKnown(id, content);
    return id;
  }

  @Override
  public void putHashed(BlobId id, byte[] content) {
    putKnown(id, content);
  }

  @Override
  public boolean putKnown(BlobId id, byte[] content) {
    checkOpen();
    if (content.length > maxBlobBytes) {
      throw new BlobTooLargeException("blob of " + content.length + " bytes exceeds the limit of "
          + maxBlobBytes + " bytes of " + this);
    }
    Path target = pathOf(id);
    try {
      if (hasSize(target, content.length) && refreshIfStale(target) && Files.exists(target)) {
        return false; // present (a file of the wrong size, e.g. truncated, is rewritten below)
      }
      Path dir = target.getParent();
      ensureDir(dir);
      Path t = tmp.resolve(id.hex() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()) + ".tmp");
      try {
        try (FileChannel ch = FileChannel.open(t, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
          ByteBuffer b = ByteBuffer.wrap(content);
          while (b.hasRemaining()) {
            ch.write(b);
          }
          ch.force(true);
        }
        Files.setLastModifiedTime(t, FileTime.from(clock.instant()));
        Files.move(t, target, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(t);
      }
      fsyncDir(dir);
      remember(id, content.length);
      return true;
    } catch (IOException e) {
      throw new BlobException("cannot write blob " + id + " to " + target + ": " + e, e);
    }
  }

  private static boolean hasSize(Path p, long size) throws IOException {
    try {
      return Files.size(p) == size;
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  /** True if present afterwards with a fresh stamp; false if the file vanished meanwhile. */
  private boolean refreshIfStale(Path p) throws IOException {
    try {
      Instant stamp = Files.getLastModifiedTime(p).toInstant();
      Instant now = clock.instant();
      if (Duration.between(stamp, now).compareTo(refreshAfter) >= 0) {
        Files.setLastModifiedTime(p, FileTime.from(now));
      }
      return true;
    } catch (NoSuchFileException e) {
      return false;
    }
  }

  @Override
  public byte[] get(BlobId id) {
    Objects.requireNonNull(id, "id");
    checkOpen();
    Path p = pathOf(id);
    byte[] data;
    try {
      data = Files.readAllBytes(p);
    } catch (NoSuchFileException e) {
      throw new BlobNotFoundException(id, toString());
    } catch (IOException e) {
      throw new BlobException("cannot read blob " + id + " from " + p + ": " + e, e);
    }
    if (!id.matches(data)) {
      verified.remove(id);
      throw new BlobCorruptException(id, "file " + p + " (" + data.length + " bytes) hashes to " + BlobId.of(data));
    }
    remember(id, data.length);
    return data;
  }

  @Override
  public byte[] get(BlobId id, long offset, int length) {
    Objects.requireNonNull(id, "id");
    Integer size = verified.get(id);
    if (size == null) {
      return Ranges.slice(id, get(id), offset, length);
    }
    checkOpen();
    Path p = pathOf(id);
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      if (ch.size() != size) {
        verified.remove(id); // changed on disk since verified: read and verify it whole
        return Ranges.slice(id, get(id), offset, length);
      }
      int n = Ranges.clip(id, size, offset, length);
      ByteBuffer b = ByteBuffer.allocate(n);
      while (b.hasRemaining()) {
        if (ch.read(b, offset + b.position()) < 0) {
          verified.remove(id);
          throw new BlobCorruptException(id, "file " + p + " ended at " + (offset + b.position())
              + " bytes while reading " + n + " bytes at " + offset);
        }
      }
      return b.array();
    } catch (NoSuchFileException e) {
      verified.remove(id);
      throw new BlobNotFoundException(id, toString());
    } catch (IOException e) {
      throw new BlobException("cannot read " + length + " bytes at " + offset + " of blob " + id + " from " + p
          + ": " + e, e);
    }
  }

  private void remember(BlobId id, int size) {
    if (verified.size() >= MAX_VERIFIED) {
      verified.clear();
    }
    verified.put(id, size);
  }

  @Override
  public Optional<BlobInfo> info(BlobId id) {
    checkOpen();
    try {
      BasicFileAttributes a = Files.readAttributes(pathOf(id), BasicFileAttributes.class);
      return Optional.of(new BlobInfo(id, a.size(), a.lastModifiedTime().toInstant()));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new BlobException("cannot stat blob " + id + " in " + this + ": " + e, e);
    }
  }

  @Override
  public Set<BlobId> missing(Collection<BlobId> ids) {
    checkOpen();
    Set<BlobId> out = new LinkedHashSet<>();
    try {
      for (BlobId id : new LinkedHashSet<>(ids)) {
        Path p = pathOf(id);
        if (!Files.exists(p) || !refreshIfStale(p) || !Files.exists(p)) {
          out.add(id);
        }
      }
    } catch (IOException e) {
      throw new BlobException("cannot check blobs in " + this + ": " + e, e);
    }
    return out;
  }

  @Override
  public int deleteIfOlder(Collection<BlobId> ids, Instant cutoff) {
    checkOpen();
    int deleted = 0;
    for (BlobId id : new LinkedHashSet<>(ids)) {
      Path p = pathOf(id);
      try {
        if (!Files.getLastModifiedTime(p).toInstant().isBefore(cutoff)) {
          continue;
        }
        Path t = trash.resolve(id.hex() + "." + Long.toHexString(ThreadLocalRandom.current().nextLong()));
        Files.move(p, t, StandardCopyOption.ATOMIC_MOVE);
        verified.remove(id);
        if (Files.getLastModifiedTime(t).toInstant().isBefore(cutoff)) {
          Files.delete(t);
          deleted++;
        } else {
          // Refreshed by a put between our check and the rename: put it back.
          try {
            Files.move(t, p, StandardCopyOption.ATOMIC_MOVE);
          } catch (FileAlreadyExistsException e) {
            Files.delete(t);
          }
        }
      } catch (NoSuchFileException e) {
        // absent: nothing to delete
      } catch (IOException e) {
        throw new BlobException("cannot delete blob " + id + " from " + this + " after deleting "
            + deleted + ": " + e, e);
      }
    }
    return deleted;
  }

  @Override
  public BlobPage list(BlobId after, int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be > 0, got " + limit);
    }
    checkOpen();
    String afterHex = after == null ? null : after.hex();
    List<BlobInfo> out = new ArrayList<>();
    int firstDir = after == null ? 0 : Integer.parseInt(afterHex.substring(0, 2), 16);
    try {
      for (int d = firstDir; d < 256; d++) {
        Path dir = root.resolve(String.format("%02x", d));
        if (!Files.isDirectory(dir)) {
          continue;
        }
        List<String> names = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
          for (Path f : ds) {
            String n = f.getFileName().toString();
            if (BlobId.isValid(n) && (afterHex == null || n.compareTo(afterHex) > 0)) {
              names.add(n);
            }
          }
        } catch (NoSuchFileException e) {
          continue;
        }
        names.sort(null);
        for (String n : names) {
          if (out.size() == limit) {
            return new BlobPage(out, true);
          }
          BlobId id = BlobId.parse(n);
          try {
            BasicFileAttributes a = Files.readAttributes(dir.resolve(n), BasicFileAttributes.class);
            out.add(new BlobInfo(id, a.size(), a.lastModifiedTime().toInstant()));
          } catch (NoSuchFileException e) {
            // deleted while listing
          }
        }
      }
    } catch (IOException e) {
      throw new BlobException("cannot list blobs in " + this + ": " + e, e);
    }
    return new BlobPage(out, false);
  }

  @Override
  public void close() {
    closed = true;
  }

  @Override
  public String toString() {
    return "file://" + root;
  }

  private void checkOpen() {
    if (closed) {
      throw new BlobException(this + " is closed");
    }
  }

  private void ensureDir(Path dir) throws IOException {
    String name = dir.getFileName().toString();
    if (knownDirs.contains(name)) {
      return;
    }
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir);
      fsyncDir(root);
    }
    knownDirs.add(name);
  }

  private static void fsyncDir(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private void cleanStale(Path dir) throws IOException {
    Instant before = clock.instant().minus(STALE_TMP);
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path f : ds) {
        try {
          if (Files.getLastModifiedTime(f).toInstant().isBefore(before)) {
            Files.deleteIfExists(f);
          }
        } catch (NoSuchFileException e) {
          // another process cleaned it
        }
      }
    }
  }
}
