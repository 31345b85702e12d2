package io.quorumfs.fs;

import io.quorumfs.blob.BlobId;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;

/**
 * Writes to one inode not yet committed, per chunk: the bytes and the ranges of them written. One
 * buffer per inode, shared by all of this client's handles on it, so a flush commits every write
 * made before it in the order they were made, whichever handle made them.
 *
 * <p>Not thread-safe: callers synchronise on the buffer for short steps. A flush, serialised per
 * inode by {@link #flushLock}, takes chunks out in one step and commits them afterwards; until that
 * commit ends, {@link #pendingEnd()} still counts them, so no size answered meanwhile is smaller than
 * what was written.
 */
final class WriteBuffer {
  /** One chunk's pending bytes; {@code data} grows as needed up to the chunk size. */
  static final class Dirty {
    private static final int GROW_TO_CHUNK = 128 * 1024;

    byte[] data = new byte[0];
    /** Disjoint, sorted [lo, hi) ranges of {@code data} that were written. */
    final List<long[]> ranges = new ArrayList<>();
    /**
     * A full chunk handed to a background upload ({@code upload} hashes and stores it): the array
     * is never written again; a later write to this chunk copies {@code data} first, which makes
     * the upload stale ({@link #uploaded} false).
     */
    byte[] sealed;
    CompletableFuture<BlobId> upload;
    /** Heap this chunk holds: its array, plus a sealed one it stopped sharing (see {@link #growth}). */
    long charged;

    /** True if {@code upload} stores exactly the current contents. */
    boolean uploaded() {
      return upload != null && sealed == data;
    }

    int end() {
      return ranges.isEmpty() ? 0 : (int) ranges.get(ranges.size() - 1)[1];
    }

    /** True if [0, len) is written entirely. */
    boolean covers(int len) {
      return ranges.size() == 1 && ranges.get(0)[0] == 0 && ranges.get(0)[1] >= len;
    }

    /**
     * Bytes of heap {@link #write} of {@code len} bytes at {@code at} would add: a copy of a
     * sealed array (which stays with its upload) and the growth of the array.
     */
    long growth(int at, int len, int chunkSize) {
      long g = sealed != null && sealed == data ? data.length : 0;
      int need = at + len;
      return need > data.length ? g + capacity(need, chunkSize) - data.length : g;
    }

    private int capacity(int need, int chunkSize) {
      // Past 128 KiB straight to a whole chunk: doubling made a sequential writer copy each chunk
      // through arrays of 256 and 512 KiB (the latter a G1 humongous object of its own).
      return need > GROW_TO_CHUNK ? chunkSize
          : Math.max(need, Math.min(chunkSize, Math.max(4096, data.length * 2)));
    }

    void write(int at, byte[] src, int off, int len, int chunkSize) {
      int need = at + len;
      charged += growth(at, len, chunkSize);
      if (sealed != null && sealed == data) {
        data = data.clone(); // copy on write: the sealed array belongs to its upload
      }
      if (need > data.length) {
        data = Arrays.copyOf(data, capacity(need, chunkSize));
      }
      System.arraycopy(src, off, data, at, len);
      addRange(at, need);
    }

    private void addRange(long lo, long hi) {
      List<long[]> out = new ArrayList<>(ranges.size() + 1);
      boolean placed = false;
      for (long[] r : ranges) {
        if (r[1] < lo) {
          out.add(r);
        } else if (hi < r[0]) {
          if (!placed) {
            out.add(new long[] {lo, hi});
            placed = true;
          }
          out.add(r);
        } else {
          lo = Math.min(lo, r[0]);
          hi = Math.max(hi, r[1]);
        }
      }
      if (!placed) {
        out.add(new long[] {lo, hi});
      }
      ranges.clear();
      ranges.addAll(out);
    }

    /** Overlays the written ranges on {@code base} (which must be long enough). */
    void overlay(byte[] base) {
      for (long[] r : ranges) {
        System.arraycopy(data, (int) r[0], base, (int) r[0], (int) (r[1] - r[0]));
      }
    }
  }

  /** Held by a flush from taking chunks out until their commit ends (serialises flushes). */
  final Object flushLock = new Object();
  private final int chunkSize;
  private TreeMap<Long, Dirty> chunks = new TreeMap<>();
  private long bytes;
  private long end;
  /** The sum of the chunks' {@link Dirty#charged}. */
  private long charged;
  /** End offset of chunks taken out by a flush whose commit has not ended yet (0 if none). */
  private long committingEnd;

  WriteBuffer(int chunkSize) {
    this.chunkSize = chunkSize;
  }

  void write(long offset, byte[] src, int off, int len) {
    while (len > 0) {
      long index = offset / chunkSize;
      int at = (int) (offset % chunkSize);
      int n = Math.min(len, chunkSize - at);
      Dirty d = chunks.computeIfAbsent(index, i -> new Dirty());
      long before = d.charged;
      d.write(at, src, off, n, chunkSize);
      charged += d.charged - before;
      bytes += n;
      offset += n;
      off += n;
      len -= n;
      end = Math.max(end, offset);
    }
  }

  /** Bytes of heap {@link #write} of {@code len} bytes at {@code offset} would add. */
  long growth(long offset, int len) {
    long g = 0;
    while (len > 0) {
      long index = offset / chunkSize;
      int at = (int) (offset % chunkSize);
      int n = Math.min(len, chunkSize - at);
      Dirty d = chunks.get(index);
      g += (d != null ? d : new Dirty()).growth(at, n, chunkSize);
      offset += n;
      len -= n;
    }
    return g;
  }

  /** Bytes of heap the pending chunks hold (arrays, and sealed arrays still uploading). */
  long charged() {
    return charged;
  }

  /** Bytes of heap the chunks of {@code taken} (from {@link #drain} and the like) hold. */
  static long charged(Map<Long, Dirty> taken) {
    long n = 0;
    for (Dirty d : taken.values()) {
      n += d.charged;
    }
    return n;
  }

  /** The pending writes of chunk {@code index}, or null. */
  Dirty chunk(long index) {
    return chunks.get(index);
  }

  boolean isEmpty() {
    return chunks.isEmpty();
  }

  long bytes() {
    return bytes;
  }

  /** The end offset of the furthest write still in the buffer (0 if none). */
  long end() {
    return end;
  }

  /**
   * The end offset of the furthest write not yet committed: in the buffer, or taken out by a flush
   * whose commit is still running (0 if none).
   */
  long pendingEnd() {
    return Math.max(end, committingEnd);
  }

  /** The flush that took chunks out has ended (committed, or put them back with {@link #restore}). */
  void commitEnded() {
    committingEnd = 0;
  }

  /** Bytes of chunks handed to a background upload that is still current. */
  long uploadingBytes() {
    long n = 0;
    for (Dirty d : chunks.values()) {
      if (d.uploaded()) {
        n += d.data.length;
      }
    }
    return n;
  }

  /** The chunks with a current background upload, lowest first. */
  List<Dirty> uploads() {
    List<Dirty> out = new ArrayList<>();
    for (Dirty d : chunks.values()) {
      if (d.uploaded()) {
        out.add(d);
      }
    }
    return out;
  }

  /**
   * Takes the chunks up to the last one whose background upload is current and finished, stopping
   * at the first upload still running; chunks without an upload before that point are taken too
   * (their commit stores them).
   */
  TreeMap<Long, Dirty> drainUploaded() {
    // Uploads finish out of order. Committing a chunk past one still uploading would set the file
    // size over a chunk not committed yet: zeros in the middle of the file until its commit, and
    // for good if that commit fails (a full blob disk) or this client dies first.
    long through = -1;
    for (var e : chunks.entrySet()) {
      Dirty d = e.getValue();
      if (d.uploaded()) {
        if (!d.upload.isDone()) {
          break;
        }
        through = e.getKey();
      }
    }
    TreeMap<Long, Dirty> out = new TreeMap<>();
    var it = chunks.headMap(through, true).entrySet().iterator();
    while (it.hasNext()) {
      var e = it.next();
      Dirty d = e.getValue();
      out.put(e.getKey(), d);
      committingEnd = Math.max(committingEnd, e.getKey() * chunkSize + d.end());
      bytes = Math.max(0, bytes - d.data.length);
      charged -= d.charged;
      it.remove();
    }
    if (chunks.isEmpty()) {
      bytes = 0;
      end = 0;
      charged = 0;
    }
    return out;
  }

  /** Takes every pending chunk, leaving the buffer empty. */
  TreeMap<Long, Dirty> drain() {
    TreeMap<Long, Dirty> out = chunks;
    committingEnd = Math.max(committingEnd, end);
    chunks = new TreeMap<>();
    bytes = 0;
    end = 0;
    charged = 0;
    return out;
  }

  /** Puts back chunks whose commit failed, under newer writes made meanwhile. */
  void restore(TreeMap<Long, Dirty> failed) {
    for (var e : failed.entrySet()) {
      Dirty newer = chunks.get(e.getKey());
      Dirty old = e.getValue();
      if (newer != null) {
        for (long[] r : newer.ranges) {
          old.write((int) r[0], newer.data, (int) r[0], (int) (r[1] - r[0]), chunkSize);
        }
        charged -= newer.charged;
      }
      charged += old.charged;
      chunks.put(e.getKey(), old);
      bytes += old.end();
      end = Math.max(end, e.getKey() * chunkSize + old.end());
    }
  }
}
