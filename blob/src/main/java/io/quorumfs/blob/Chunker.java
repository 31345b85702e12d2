package io.quorumfs.blob;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.Consumer;

/**
 * Content-defined chunking (FastCDC with normalized chunking, level 2): cut points depend on the
 * bytes around them, not on offsets, so inserting or deleting bytes changes only the chunks around
 * the edit and identical content produces identical chunks wherever it sits in a file.
 *
 * <p>A chunk is at least {@code min} bytes (except the last of a stream), at most {@code max}, and
 * {@code avg} on average for random data. Defaults: 256 KiB / 1 MiB / 4 MiB. The gear table is
 * generated from a fixed seed and is part of the on-disk format: changing it (or the masks) would
 * change every cut point and so defeat deduplication against data stored earlier.
 *
 * <p>Instances are immutable and thread-safe. Streaming uses a buffer of {@code 2 * max} bytes,
 * whatever the input size.
 */
public final class Chunker {

  public static final int DEFAULT_MIN = 256 * 1024;
  public static final int DEFAULT_AVG = 1024 * 1024;
  public static final int DEFAULT_MAX = 4 * 1024 * 1024;

  private static final long[] GEAR = gearTable(0x71756f72756d6673L); // "quorumfs"
  private static final Chunker DEFAULTS = new Chunker(DEFAULT_MIN, DEFAULT_AVG, DEFAULT_MAX);

  private final int min;
  private final int avg;
  private final int max;
  /** Harder mask (more bits) before {@code avg}, easier after: chunk sizes cluster around avg. */
  private final long maskS;
  private final long maskL;

  private Chunker(int min, int avg, int max) {
    if (min < 64 || avg < min || max < avg) {
      throw new IllegalArgumentException("chunk sizes must satisfy 64 <= min <= avg <= max, got min "
          + min + ", avg " + avg + ", max " + max);
    }
    if (max > (1 << 30)) {
      throw new IllegalArgumentException("max chunk size " + max + " exceeds the limit of 1 GiB");
    }
    this.min = min;
    this.avg = avg;
    this.max = max;
    int bits = 31 - Integer.numberOfLeadingZeros(avg); // floor(log2(avg))
    this.maskS = topBits(Math.min(bits + 2, 63));
    this.maskL = topBits(Math.max(bits - 2, 1));
  }

  /** 256 KiB / 1 MiB / 4 MiB. */
  public static Chunker defaults() {
    return DEFAULTS;
  }

  /**
   * A chunker with the given bounds ({@code avg} is rounded down to a power of two for the masks).
   *
   * @throws IllegalArgumentException unless {@code 64 <= min <= avg <= max <= 1 GiB}
   */
  public static Chunker of(int min, int avg, int max) {
    return new Chunker(min, avg, max);
  }

  public int min() {
    return min;
  }

  public int avg() {
    return avg;
  }

  public int max() {
    return max;
  }

  /**
   * The length of the chunk that starts at {@code off}, given {@code len} bytes from there. Pass
   * {@code len >= max} unless the data ends within {@code max} bytes (then pass what is left):
   * the result is always in {@code [1, min(len, max)]} for {@code len > 0}.
   */
  public int cut(byte[] buf, int off, int len) {
    if (len <= min) {
      return len;
    }
    int n = Math.min(len, max);
    int normal = Math.min(avg, n);
    long fp = 0;
    int i = min;
    long[] gear = GEAR;
    // As in FastCDC, hashing starts at min: cut points depend only on bytes from the chunk start on.
    for (; i < normal; i++) {
      fp = (fp << 1) + gear[buf[off + i] & 0xFF];
      if ((fp & maskS) == 0) {
        return i + 1;
      }
    }
    for (; i < n; i++) {
      fp = (fp << 1) + gear[buf[off + i] & 0xFF];
      if ((fp & maskL) == 0) {
        return i + 1;
      }
    }
    return n;
  }

  /** Splits an in-memory array into chunks (copies). */
  public List<byte[]> split(byte[] data) {
    List<byte[]> out = new ArrayList<>();
    int off = 0;
    while (off < data.length) {
      int c = cut(data, off, data.length - off);
      out.add(Arrays.copyOfRange(data, off, off + c));
      off += c;
    }
    return out;
  }

  /** The chunk lengths of an in-memory array, in order (no copies). */
  public List<Integer> lengths(byte[] data) {
    List<Integer> out = new ArrayList<>();
    int off = 0;
    while (off < data.length) {
      int c = cut(data, off, data.length - off);
      out.add(c);
      off += c;
    }
    return out;
  }

  /**
   * Reads {@code in} to its end and hands each chunk, in order, to {@code sink} (a fresh array per
   * chunk). Memory: a buffer of {@code 2 * max} bytes. Does not close {@code in}.
   *
   * @return the number of bytes read
   */
  public long split(InputStream in, Consumer<byte[]> sink) throws IOException {
    try (Stream s = stream(sink)) {
      byte[] tmp = new byte[64 * 1024];
      int r;
      while ((r = in.read(tmp)) >= 0) {
        s.write(tmp, 0, r);
      }
      s.finish();
      return s.total();
    }
  }

  /**
   * An output stream that chunks everything written to it: each chunk goes to {@code sink} as soon
   * as its end is known (a fresh array per chunk); {@link Stream#finish()} or {@code close()} emits
   * the last one. An exception thrown by {@code sink} propagates out of {@code write}.
   */
  public Stream stream(Consumer<byte[]> sink) {
    return new Stream(sink);
  }

  /** Incremental chunking; see {@link #stream}. Not thread-safe. */
  public final class Stream extends OutputStream {
    private final Consumer<byte[]> sink;
    private final byte[] buf = new byte[2 * max];
    private int start; // first byte not yet emitted
    private int end; // one past the last byte written
    private long total;
    private boolean finished;

    private Stream(Consumer<byte[]> sink) {
      this.sink = sink;
    }

    @Override
    public void write(int b) {
      write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) {
      if (finished) {
        throw new IllegalStateException("chunk stream already finished");
      }
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      total += len;
      // Nothing buffered: cut straight from the caller's array while a full max is in view.
      while (start == end && len >= max) {
        int c = cut(b, off, len);
        byte[] chunk = Arrays.copyOfRange(b, off, off + c);
        off += c;
        len -= c;
        sink.accept(chunk);
      }
      while (len > 0) {
        if (end == buf.length) {
          compact();
        }
        int n = Math.min(len, buf.length - end);
        System.arraycopy(b, off, buf, end, n);
        end += n;
        off += n;
        len -= n;
        // A cut needs max bytes of lookahead, except at the end of input.
        while (end - start >= max) {
          emit(cut(buf, start, end - start));
        }
      }
    }

    private void emit(int len) {
      byte[] chunk = Arrays.copyOfRange(buf, start, start + len);
      start += len;
      sink.accept(chunk);
    }

    private void compact() {
      System.arraycopy(buf, start, buf, 0, end - start);
      end -= start;
      start = 0;
    }

    /** Emits the remaining chunks. Idempotent. */
    public void finish() {
      if (finished) {
        return;
      }
      finished = true;
      while (end > start) {
        emit(cut(buf, start, end - start));
      }
    }

    /** Bytes written so far. */
    public long total() {
      return total;
    }

    /** Same as {@link #finish()}. */
    @Override
    public void close() {
      finish();
    }
  }

  private static long topBits(int n) {
    return -1L << (64 - n);
  }

  /** SplitMix64 from a fixed seed: spelled out here so the table never depends on a JDK version. */
  private static long[] gearTable(long seed) {
    long[] t = new long[256];
    long x = seed;
    for (int i = 0; i < t.length; i++) {
      x += 0x9E3779B97F4A7C15L;
      long z = x;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      t[i] = z ^ (z >>> 31);
    }
    return t;
  }

  @Override
  public String toString() {
    return "Chunker[min=" + min + ", avg=" + avg + ", max=" + max + "]";
  }
}
