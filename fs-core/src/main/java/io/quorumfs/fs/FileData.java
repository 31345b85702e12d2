package io.quorumfs.fs;

import io.quorumfs.blob.BlobException;
import io.quorumfs.blob.BlobNotFoundException;
import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Versioned;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * File contents: open handles, buffered writes cut into fixed-size, offset-aligned chunks on
 * flush, the chunk map, reads through the {@link BlockCache} with read-ahead, and truncation.
 *
 * <p>Writes are buffered per inode (one {@link WriteBuffer} shared by this client's handles on it).
 * A flush is one transaction per group of chunks: for every dirty chunk the old chunk is read (only if
 * the writes do not cover it), merged, uploaded if the blob store lacks it, and the chunk map entry
 * is replaced with a compare on its version; the inode's size and mtime are updated with a compare
 * on the attributes. Only the touched chunks are rewritten.
 */
final class FileData implements AttrOps.Truncator, Namespace.Opens {

  /** What this client knows about one inode it has open. */
  private static final class Local {
    final WriteBuffer buffer;
    int handles;
    boolean held;

    Local(int chunkSize) {
      buffer = new WriteBuffer(chunkSize);
    }
  }

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FileData.class);
  private static final int MAP_BATCH = 32;

  private final Meta meta;
  private final Keys k;
  private final BlobStore blobs;
  private final BlockCache blocks;
  private final int cs;
  private final ExecutorService prefetch;
  private final Uploader uploader;
  private final WriteBudget budget;
  private final Map<Long, OpenFile> handles = new ConcurrentHashMap<>();
  private final Map<Long, Local> locals = new HashMap<>();
  private final AtomicLong nextFh = new AtomicLong(1);
  private volatile long sid;

  FileData(Meta meta, BlobStore blobs, ExecutorService prefetch, ExecutorService uploads) {
    this.meta = meta;
    this.k = meta.keys;
    this.blobs = blobs;
    this.cs = meta.config.chunkSize();
    this.blocks = new BlockCache(blobs, meta.config.blockCacheBytes(), meta.config.blobWait(),
        meta.config.metrics());
    this.prefetch = prefetch;
    this.uploader = new Uploader(blobs, uploads);
    this.budget = new WriteBudget(meta.config.writeBudgetBytes());
    meta.config.metrics().gauge("quorumfs.fs.write.buffered.bytes", () -> budget::used);
    BlobId.warmUpInBackground(); // every chunk written or read is hashed: have the fast SHA-256 ready
  }

  void setSession(long sid) {
    this.sid = sid;
  }

  // ---- Namespace.Opens ----

  @Override
  public synchronized boolean isOpen(long ino) {
    Local l = locals.get(ino);
    return l != null && l.handles > 0;
  }

  @Override
  public long sessionId() {
    return sid;
  }

  @Override
  public synchronized boolean markHeld(long ino) {
    Local l = locals.get(ino);
    if (l == null) {
      return false;
    }
    l.held = true; // its last close drops this session's hold, if it has one
    return true;
  }

  synchronized Set<Long> openInodes() {
    return Set.copyOf(locals.keySet());
  }

  // ---- handles ----

  OpenFile handle(long fh) {
    OpenFile h = handles.get(fh);
    if (h == null) {
      throw new FsException(Errno.EBADF, "no open handle " + fh);
    }
    return h;
  }

  OpenFile register(long ino, int flags) {
    OpenFile h;
    synchronized (this) {
      Local l = locals.computeIfAbsent(ino, i -> new Local(cs));
      l.handles++;
      h = new OpenFile(nextFh.getAndIncrement(), ino, flags, l.buffer);
    }
    handles.put(h.fh, h);
    return h;
  }

  /**
   * Forgets the handle (with the last one of an inode, the writes its flush could not commit);
   * returns true if it was the last one of a held (unlinked) inode.
   */
  boolean unregister(OpenFile h) {
    handles.remove(h.fh);
    Local l;
    synchronized (this) {
      l = locals.get(h.ino);
      if (l == null) {
        return false;
      }
      if (--l.handles > 0) {
        return false;
      }
      locals.remove(h.ino);
    }
    long dropped;
    synchronized (l.buffer.flushLock) { // after a flush still running (another writer making room)
      synchronized (l.buffer) {
        dropped = l.buffer.charged();
        l.buffer.drain();
        l.buffer.commitEnded();
      }
    }
    budget.release(dropped);
    return l.held;
  }

  List<OpenFile> allHandles() {
    return List.copyOf(handles.values());
  }

  private synchronized WriteBuffer buffer(long ino) {
    Local l = locals.get(ino);
    return l == null ? null : l.buffer;
  }

  /**
   * The end of this client's writes to {@code ino} not yet committed (0 if none), including those a
   * running flush is committing. A size answered to the kernel must be at least this, and be read
   * after it: the kernel shrinks its own file size to any smaller answer and cuts reads short.
   */
  long pendingEnd(long ino) {
    WriteBuffer b = buffer(ino);
    if (b == null) {
      return 0;
    }
    synchronized (b) {
      return b.pendingEnd();
    }
  }

  // ---- writing ----

  /**
   * Buffers a write. An append goes at the end of the file: past this client's pending writes and
   * the committed size, which {@code committedSize} reads after the pending end (so a flush that
   * ends in between is counted by one of the two).
   */
  int write(OpenFile h, long offset, byte[] src, int off, int len, LongSupplier committedSize) {
    if (!h.writable) {
      throw new FsException(Errno.EBADF, "handle " + h.fh + " is not open for writing");
    }
    if (offset < 0) {
      throw new FsException(Errno.EINVAL, "negative offset " + offset);
    }
    long appendAt = 0;
    if (h.append) {
      synchronized (h.buffer) {
        appendAt = h.buffer.pendingEnd();
      }
      appendAt = Math.max(appendAt, committedSize.getAsLong());
    }
    // Room for what the write adds to the buffer is taken first, nothing held while waiting; if the
    // buffer changed meanwhile (a flush, another writer of the inode), take it again.
    long reserved = 0;
    long grew = 0;
    boolean full;
    try {
      while (true) {
        long need;
        synchronized (h.buffer) {
          long at = h.append ? Math.max(appendAt, h.buffer.pendingEnd()) : offset;
          if (at + len > FileSystem.MAX_FILE_SIZE) {
            throw new FsException(Errno.EFBIG, "write of " + len + " bytes at " + at
                + " passes the maximum file size " + FileSystem.MAX_FILE_SIZE);
          }
          need = h.buffer.growth(at, len);
          if (need <= reserved) {
            long before = h.buffer.charged();
            h.buffer.write(at, src, off, len);
            grew = h.buffer.charged() - before;
            startUploads(h, at, len);
            full = h.buffer.bytes() >= meta.config.writeBufferBytes();
            break;
          }
        }
        budget.release(reserved);
        reserved = 0;
        budget.acquire(need, () -> makeRoom(h));
        reserved = need;
      }
    } finally {
      budget.release(reserved - grew);
    }
    if (full) {
      flushFull(h);
    }
    return len;
  }

  /**
   * The write budget is used up: commits {@code h}'s inode's pending writes, else those of the
   * inode holding the most. False if there was nothing to commit (the budget is held by commits in
   * flight, which give it back when done).
   */
  private boolean makeRoom(OpenFile h) {
    boolean own;
    synchronized (h.buffer) {
      own = h.buffer.charged() > 0;
    }
    if (own) {
      flush(h); // its errors are this write's
      return true;
    }
    Map<Long, WriteBuffer> open = new HashMap<>();
    synchronized (this) {
      locals.forEach((ino, l) -> open.put(ino, l.buffer));
    }
    long target = -1;
    long most = 0;
    for (var e : open.entrySet()) {
      long held;
      synchronized (e.getValue()) {
        held = e.getValue().charged();
      }
      if (held > most) {
        target = e.getKey();
        most = held;
      }
    }
    if (target < 0) {
      return false;
    }
    try {
      flush(target, open.get(target));
      return true;
    } catch (RuntimeException e) {
      return false; // that inode's own flush or close reports it
    }
  }

  /** The bound on buffered write bytes of this client, for tests. */
  WriteBudget budget() {
    return budget;
  }

  /** Starts background uploads of the chunks this write filled entirely (caller holds the buffer). */
  private void startUploads(OpenFile h, long at, int len) {
    for (long i = at / cs, last = (at + len - 1) / cs; i <= last; i++) {
      WriteBuffer.Dirty d = h.buffer.chunk(i);
      if (d != null && !d.uploaded() && d.data.length == cs && d.covers(cs)) {
        uploader.start(d);
      }
    }
  }

  /**
   * The write buffer is full. Waits for the older half of its background uploads and commits every
   * chunk whose upload has finished, so the writer keeps filling chunks while the others upload and
   * each commit carries several chunks (one metadata round trip per half buffer, not per chunk);
   * commits everything when most of the buffer is not being uploaded (random or partial writes).
   */
  private void flushFull(OpenFile h) {
    synchronized (h.buffer.flushLock) {
      List<WriteBuffer.Dirty> uploading;
      synchronized (h.buffer) {
        long limit = meta.config.writeBufferBytes();
        if (h.buffer.bytes() < limit) {
          return; // flushed meanwhile
        }
        uploading = h.buffer.bytes() - h.buffer.uploadingBytes() >= limit / 2 ? List.of() : h.buffer.uploads();
      }
      if (uploading.isEmpty()) {
        flush(h);
        return;
      }
      for (WriteBuffer.Dirty d : uploading.subList(0, (uploading.size() + 1) / 2)) {
        uploader.await(d); // a failed upload is stored again by its commit, which reports a lasting error
      }
      TreeMap<Long, WriteBuffer.Dirty> ready;
      synchronized (h.buffer) {
        ready = h.buffer.drainUploaded();
      }
      commitAll(h.ino, h.buffer, ready);
    }
  }

  /** Commits this client's pending writes to {@code ino}; returns when they are committed. */
  void flushInode(long ino) {
    WriteBuffer b = buffer(ino);
    if (b != null) {
      flush(ino, b);
    }
  }

  /** Commits every pending write to {@code h}'s inode, whichever handle made it. */
  void flush(OpenFile h) {
    flush(h.ino, h.buffer);
  }

  /**
   * Takes the buffer's chunks and commits them. Waits for a flush already running on the inode, so
   * that when this returns every write made before the call is committed.
   */
  private void flush(long ino, WriteBuffer buffer) {
    synchronized (buffer.flushLock) {
      TreeMap<Long, WriteBuffer.Dirty> dirty;
      synchronized (buffer) {
        if (buffer.isEmpty()) {
          return;
        }
        dirty = buffer.drain();
      }
      commitAll(ino, buffer, dirty);
    }
  }

  /**
   * Commits {@code dirty} (taken from {@code buffer}), giving its bytes back to the write budget
   * group by group; puts back what was not committed if that fails. Either way the buffer's
   * committing end is cleared when this returns.
   */
  private void commitAll(long ino, WriteBuffer buffer, TreeMap<Long, WriteBuffer.Dirty> dirty) {
    // One txn per group of chunks, within the store's txn size limit (2 entries per chunk).
    int per = Math.max(1, (meta.batch() - 8) / 2);
    TreeMap<Long, WriteBuffer.Dirty> group = new TreeMap<>();
    try {
      while (!dirty.isEmpty()) {
        var e = dirty.pollFirstEntry();
        group.put(e.getKey(), e.getValue());
        if (group.size() == per || dirty.isEmpty()) {
          commit(ino, group);
          budget.release(WriteBuffer.charged(group));
          group.clear();
        }
      }
      synchronized (buffer) {
        buffer.commitEnded();
      }
    } catch (RuntimeException e) {
      dirty.putAll(group);
      long held = WriteBuffer.charged(dirty);
      long change;
      synchronized (buffer) {
        long before = buffer.charged();
        buffer.restore(dirty); // drops newer chunks merged into the restored ones
        buffer.commitEnded();
        change = buffer.charged() - before - held;
      }
      if (change > 0) {
        budget.charge(change);
      } else {
        budget.release(-change);
      }
      throw e;
    }
  }

  private void commit(long ino, TreeMap<Long, WriteBuffer.Dirty> dirty) {
    long dirtyEnd = 0;
    for (var e : dirty.entrySet()) {
      dirtyEnd = Math.max(dirtyEnd, e.getKey() * cs + e.getValue().end());
    }
    long end = dirtyEnd;
    meta.run("write", tx -> {
      Versioned av = tx.get(k.attr(ino));
      if (!av.exists()) {
        throw new FsException(Errno.ENOENT, "inode " + ino + " was removed before its data was written");
      }
      tx.require(av);
      Inode in = Inode.decode(ino, av.value());
      long size = Math.max(in.size(), end);
      Map<BlobId, byte[]> contents = new LinkedHashMap<>();
      for (var e : dirty.entrySet()) {
        long index = e.getKey();
        WriteBuffer.Dirty d = e.getValue();
        byte[] key = k.chunk(ino, index);
        Versioned cv = tx.get(key);
        tx.require(cv);
        long chunkStart = index * cs;
        int validOld = 0;
        ChunkRef old = null;
        if (cv.exists()) {
          old = ChunkRef.decode(cv.value());
          validOld = (int) Math.min(old.length(), Math.max(0, Math.min(cs, in.size() - chunkStart)));
        }
        int newLen = Math.max(validOld, d.end());
        byte[] content;
        BlobId id = null;
        if (newLen == cs && d.uploaded() && d.covers(cs)) {
          content = d.sealed;
          id = uploader.await(d); // null: the upload failed; stored again below
        } else if (d.covers(newLen)) {
          if (newLen == d.data.length) {
            content = d.data;
            d.sealed = content; // shared with the block cache now: a write after a failed commit copies it
          } else {
            content = Arrays.copyOf(d.data, newLen);
          }
        } else {
          content = new byte[newLen];
          if (validOld > 0) {
            byte[] base = readBlob(old.id(), ino, index);
            System.arraycopy(base, 0, content, 0, Math.min(validOld, base.length));
          }
          d.overlay(content);
        }
        if (id == null) {
          id = BlobId.of(content);
        }
        // Uploaded in the background too: the commit still asks the store (one batched missing()
        // call), which refreshes the stamp of a blob uploaded long ago and stores it again if the
        // blob GC removed it meanwhile (an unreferenced upload older than its grace period).
        contents.put(id, content);
        tx.put(key, new ChunkRef(id, newLen).encode());
      }
      uploader.storeAll(contents, ino);
      contents.forEach(blocks::put);
      long now = meta.now();
      tx.put(k.attr(ino), in.withSize(size).withMtimeCtime(now).encode());
      if (size != in.size()) {
        tx.add(k.usedBytes(ino), size - in.size());
      }
      return null;
    });
  }

  private byte[] readBlob(BlobId id, long ino, long index) {
    try {
      return blocks.get(id);
    } catch (BlobNotFoundException e) {
      throw absent(id, ino, index, e);
    } catch (BlobException e) {
      throw new FsException(Errno.EIO, "chunk " + index + " of inode " + ino + " (blob " + id
          + "): " + e.getMessage(), e);
    }
  }

  // ---- reading ----

  int read(OpenFile h, long offset, byte[] dst, int off, int len, long size) {
    if (!h.readable) {
      throw new FsException(Errno.EBADF, "handle " + h.fh + " is not open for reading");
    }
    if (offset < 0) {
      throw new FsException(Errno.EINVAL, "negative offset " + offset);
    }
    if (offset >= size || len == 0) {
      return 0;
    }
    int n = (int) Math.min(len, size - offset);
    boolean sequential;
    synchronized (h) {
      // Near the previous read counts as sequential: the kernel's read-ahead requests may arrive
      // out of order on several FUSE threads.
      sequential = offset == 0 || (h.lastReadEnd >= 0 && Math.abs(offset - h.lastReadEnd) <= 2L * cs);
      h.lastReadEnd = offset + n;
    }
    // A random reader of a file too big for the block cache reads ranges of chunks: caching whole
    // chunks would fetch ~1 MiB per small read and evict them before they are read again.
    boolean ranged = !sequential && size > blocks.capacity() / 2;
    if (sequential) {
      loadChunkMap(h, offset / cs, size);
    }
    int done = 0;
    while (done < n) {
      long pos = offset + done;
      long index = pos / cs;
      int at = (int) (pos % cs);
      int m = Math.min(n - done, cs - at);
      Versioned cv = meta.cache.get(k.chunk(h.ino, index));
      int copy = 0;
      if (cv.exists()) {
        ChunkRef ref = ChunkRef.decode(cv.value());
        if (ranged) {
          int want = Math.max(0, Math.min(m, ref.length() - at));
          if (want > 0) {
            byte[] part = readRange(ref.id(), h.ino, index, at, want);
            copy = Math.min(want, part.length);
            System.arraycopy(part, 0, dst, off + done, copy);
          }
        } else {
          byte[] content = readBlob(ref.id(), h.ino, index);
          int valid = Math.min(ref.length(), content.length);
          copy = Math.max(0, Math.min(m, valid - at));
          if (copy > 0) {
            System.arraycopy(content, at, dst, off + done, copy);
          }
        }
      }
      if (copy < m) {
        Arrays.fill(dst, off + done + copy, off + done + m, (byte) 0);
      }
      done += m;
    }
    if (sequential) {
      readAhead(h, (offset + n - 1) / cs + 1, size); // the chunks after the one just read
    }
    return n;
  }

  /**
   * A sequential reader loads the chunk map ahead in batches of {@value #MAP_BATCH} entries, one
   * store round trip each, instead of one round trip per chunk on a cold cache (a Raft read each
   * on raft://).
   */
  private void loadChunkMap(OpenFile h, long index, long size) {
    long last = Math.min((size - 1) / cs, index + MAP_BATCH - 1);
    synchronized (h) {
      if (index <= h.chunkMapThrough || index > last) {
        return;
      }
      h.chunkMapThrough = last;
    }
    List<byte[]> keys = new ArrayList<>();
    for (long i = index; i <= last; i++) {
      keys.add(k.chunk(h.ino, i));
    }
    meta.cache.getAll(keys);
  }

  /** A chunk the metadata references that did not appear within the blob wait: EIO, logged. */
  private FsException absent(BlobId id, long ino, long index, BlobNotFoundException e) {
    LOG.error("blob {} (chunk {} of inode {}) is referenced by the metadata but not in the blob "
        + "store after waiting {} for it: a write-back client has not uploaded it yet, or it was "
        + "lost; reads of that chunk fail with EIO", id, index, ino, meta.config.blobWait());
    return new FsException(Errno.EIO, "chunk " + index + " of inode " + ino + " (blob " + id
        + ") is not in the blob store after waiting " + meta.config.blobWait() + ": "
        + e.getMessage(), e);
  }

  private byte[] readRange(BlobId id, long ino, long index, int at, int length) {
    try {
      return blocks.getRange(id, at, length);
    } catch (BlobNotFoundException e) {
      throw absent(id, ino, index, e);
    } catch (BlobException | IllegalArgumentException e) {
      throw new FsException(Errno.EIO, "chunk " + index + " of inode " + ino + " (blob " + id
          + ") at " + at + "+" + length + ": " + e.getMessage(), e);
    }
  }

  private void readAhead(OpenFile h, long fromIndex, long size) {
    int ahead = meta.config.readAheadChunks();
    long lastIndex = (size - 1) / cs;
    long through = Math.min(lastIndex, fromIndex + ahead - 1);
    long start;
    synchronized (h) {
      start = Math.max(fromIndex, h.prefetchedThrough + 1);
      if (start > through) {
        return;
      }
      h.prefetchedThrough = through;
    }
    for (long i = start; i <= through; i++) {
      long index = i;
      try {
        prefetch.execute(() -> {
          try {
            Versioned cv = meta.cache.get(k.chunk(h.ino, index));
            if (cv.exists()) {
              blocks.get(ChunkRef.decode(cv.value()).id());
            }
          } catch (RuntimeException e) {
            // Read-ahead is best effort; the real read reports errors.
          }
        });
      } catch (RejectedExecutionException e) {
        return;
      }
    }
  }

  // ---- truncation ----

  @Override
  public void shrinkInSteps(long ino, long newSize) {
    flushInode(ino);
    long firstDead = (newSize + cs - 1) / cs;
    int keep = meta.batch() / 2 - 4;
    while (true) {
      ScanPage p = meta.store.scan(k.chunksFrom(ino, firstDead), meta.batch() + keep, null);
      if (p.entries().size() <= keep) {
        return;
      }
      meta.run("truncate-step", tx -> {
        for (Versioned v : p.entries().subList(0, p.entries().size() - keep)) {
          tx.delete(v.key());
        }
        return null;
      });
    }
  }

  @Override
  public void truncate(Tx tx, Inode in, long newSize) {
    long ino = in.ino();
    if (newSize >= in.size()) {
      return;
    }
    long firstDead = (newSize + cs - 1) / cs;
    byte[] after = null;
    while (true) {
      ScanPage p = meta.store.scan(k.chunksFrom(ino, firstDead), meta.batch() / 2, after);
      for (Versioned v : p.entries()) {
        tx.require(v);
        tx.delete(v.key());
      }
      if (!p.more() || p.entries().isEmpty()) {
        break;
      }
      after = p.next();
    }
    int tail = (int) (newSize % cs);
    if (tail != 0) {
      Versioned cv = tx.get(k.chunk(ino, newSize / cs));
      tx.require(cv);
      if (cv.exists()) {
        ChunkRef ref = ChunkRef.decode(cv.value());
        if (ref.length() > tail) {
          tx.put(cv.key(), new ChunkRef(ref.id(), tail).encode());
        }
      }
    }
  }
}
