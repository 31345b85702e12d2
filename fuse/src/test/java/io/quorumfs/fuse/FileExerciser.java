package io.quorumfs.fuse;

import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A random file exerciser in the spirit of fsx: runs seeded random operations on one file (or on
 * one file reached through two mounts) and checks every result against an in-memory model of the
 * file. On the first mismatch it prints the seed, the op number, the failing op, expected vs actual
 * bytes and the last ops, and exits 1 (2 on an unexpected I/O error, 64 on bad arguments).
 *
 * <p>Run it in its own JVM: it maps the file, and a JVM must never map a file on a FUSE mount it
 * serves itself. {@code java -cp ... io.quorumfs.fuse.FileExerciser --file /mnt/a/f [--file
 * /mnt/b/f] --seed 1 --ops 5000 [--max-size 262144] [--max-len 65536] [--mmap on|off] [--skip
 * mapwrite,...] [--handles 2] [--chunk-size 16384] [--verbose]}. With {@code --handles N} the file
 * is open N times at once (on one mount) and each op uses one of them at random.
 *
 * <p>Every byte a write puts in the file is a function of (seed, op number, offset), so a wrong byte
 * can be traced to the op that wrote it.
 */
public final class FileExerciser {

  /** The operations; a run draws them by weight. */
  enum Op {
    WRITE(25), READ(22), MAPREAD(10), MAPWRITE(10), TRUNCATE(12), STAT(8), FSYNC(5), REOPEN(8);

    final int weight;

    Op(int weight) {
      this.weight = weight;
    }
  }

  /** The first difference between the model and the file: reported, then the run stops. */
  static final class Mismatch extends Exception {
    Mismatch(String message) {
      super(message);
    }
  }

  private static final int HISTORY = 30;

  private final List<Path> files;
  private final long seed;
  private final long ops;
  private final int maxSize;
  private final int maxLen;
  private final int chunkSize;
  private final EnumSet<Op> enabled;
  private final boolean verbose;
  private final PrintStream out;
  private final SplittableRandom random;

  private final byte[] model;
  /** The op number that last wrote each byte of the model (0: never written, a hole or zeros). */
  private final long[] writer;
  private int size;
  private final ArrayDeque<String> history = new ArrayDeque<>();
  /** Every data-writing op (op number, offset, length), for tracing wrong bytes to their writer. */
  private final List<long[]> writes = new ArrayList<>();

  private int current;
  private final int handleCount;
  /** The open handles (one by default), all on files.get(current). */
  private final RandomAccessFile[] rafs;
  /** The handle the current op uses. */
  private int fd;
  private RandomAccessFile raf;
  private FileChannel ch;
  private long opNo;
  private String opText = "(open)";

  FileExerciser(List<Path> files, long seed, long ops, int maxSize, int maxLen, int chunkSize,
      int handles, EnumSet<Op> enabled, boolean verbose, PrintStream out) {
    this.files = List.copyOf(files);
    this.seed = seed;
    this.ops = ops;
    this.maxSize = maxSize;
    this.maxLen = maxLen;
    this.chunkSize = chunkSize;
    this.handleCount = handles;
    this.rafs = new RandomAccessFile[handles];
    this.enabled = enabled;
    this.verbose = verbose;
    this.out = out;
    this.random = new SplittableRandom(seed);
    this.model = new byte[maxSize];
    this.writer = new long[maxSize];
  }

  public static void main(String[] args) {
    FileExerciser x;
    try {
      x = parse(args, System.out);
    } catch (IllegalArgumentException e) {
      System.err.println("FileExerciser: " + e.getMessage());
      System.exit(64);
      return;
    }
    System.exit(x.run());
  }

  static FileExerciser parse(String[] args, PrintStream out) {
    List<Path> files = new ArrayList<>();
    long seed = 1;
    long ops = 10_000;
    int maxSize = 256 * 1024;
    int maxLen = 64 * 1024;
    int chunkSize = 0;
    int handles = 1;
    boolean mmap = true;
    boolean verbose = false;
    EnumSet<Op> enabled = EnumSet.allOf(Op.class);
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--verbose")) {
        verbose = true;
        continue;
      }
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value after " + a);
      }
      String v = args[++i];
      switch (a) {
        case "--file" -> files.add(Path.of(v));
        case "--seed" -> seed = Long.parseLong(v);
        case "--ops" -> ops = Long.parseLong(v);
        case "--max-size" -> maxSize = Integer.parseInt(v);
        case "--max-len" -> maxLen = Integer.parseInt(v);
        case "--chunk-size" -> chunkSize = Integer.parseInt(v);
        case "--handles" -> handles = Integer.parseInt(v);
        case "--mmap" -> mmap = v.equals("on");
        case "--skip" -> {
          for (String s : v.split(",")) {
            if (!s.isBlank() && !s.trim().equals("none")) {
              enabled.remove(Op.valueOf(s.trim().toUpperCase(Locale.ROOT)));
            }
          }
        }
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    if (files.isEmpty() || files.size() > 2) {
      throw new IllegalArgumentException("give one or two --file paths (two: one file through two mounts)");
    }
    if (maxSize < 1 || maxLen < 1 || maxLen > maxSize) {
      throw new IllegalArgumentException("need 1 <= --max-len <= --max-size");
    }
    if (!mmap) {
      enabled.remove(Op.MAPREAD);
      enabled.remove(Op.MAPWRITE);
    }
    if (handles < 1 || handles > 8) {
      throw new IllegalArgumentException("--handles must be 1 to 8");
    }
    if (enabled.isEmpty()) {
      throw new IllegalArgumentException("no operations left");
    }
    return new FileExerciser(files, seed, ops, maxSize, maxLen, chunkSize, handles, enabled, verbose, out);
  }

  /** Runs the ops; returns the exit status (0: every check passed). */
  int run() {
    out.printf("FileExerciser seed=%d ops=%d max-size=%d max-len=%d handles=%d ops=%s files=%s%n", seed,
        ops, maxSize, maxLen, handleCount, enabled, files);
    try {
      Files.deleteIfExists(files.get(0));
      open(0, true);
      for (opNo = 1; opNo <= ops; opNo++) {
        Op op = pick();
        long t0 = System.nanoTime();
        step(op);
        opNanos[op.ordinal()] += System.nanoTime() - t0;
        opCounts[op.ordinal()]++;
        if (opNo % 10_000 == 0) {
          out.printf("%d ops, size %d%n", opNo, size);
          out.flush();
        }
      }
      opNo = ops + 1;
      opText = "final close, reopen and read of the whole file";
      close();
      open(0, false);
      verifyAll();
      close();
      out.printf("OK seed=%d ops=%d final size=%d%n", seed, ops, size);
      out.println(timeByOp());
      return 0;
    } catch (Mismatch m) {
      report(m.getMessage(), null);
      return 1;
    } catch (InternalError e) {
      // A fault on a mapped page: SIGBUS, the kernel believes the file ends before the mapped range.
      report("SIGBUS on a mapped page inside the file: the kernel's size is smaller than " + size + ": " + e, e);
      return 1;
    } catch (IOException | RuntimeException e) {
      report("unexpected " + e, e);
      return 2;
    } finally {
      closeQuietly();
    }
  }

  /** Wall time spent in each kind of op, and how many ran: where a run's time goes. */
  private final long[] opNanos = new long[Op.values().length];
  private final long[] opCounts = new long[Op.values().length];

  private String timeByOp() {
    StringBuilder b = new StringBuilder("time by op (count, total s, mean ms):");
    for (Op o : Op.values()) {
      if (opCounts[o.ordinal()] > 0) {
        b.append(String.format(Locale.ROOT, " %s %d %.1f %.2f;", o, opCounts[o.ordinal()],
            opNanos[o.ordinal()] / 1e9, opNanos[o.ordinal()] / 1e6 / opCounts[o.ordinal()]));
      }
    }
    return b.toString();
  }

  private Op pick() {
    int total = 0;
    for (Op o : enabled) {
      total += o.weight;
    }
    int r = random.nextInt(total);
    for (Op o : enabled) {
      r -= o.weight;
      if (r < 0) {
        return o;
      }
    }
    throw new AssertionError();
  }

  private void step(Op op) throws IOException, Mismatch {
    if (handleCount > 1) {
      use(random.nextInt(handleCount));
    }
    switch (op) {
      case WRITE -> {
        int off = random.nextInt(maxSize);
        int len = 1 + random.nextInt(Math.min(maxLen, maxSize - off));
        log("write " + range(off, len) + (off > size ? " (hole from " + size + ")" : ""));
        byte[] b = fill(off, len);
        int n = ch.write(ByteBuffer.wrap(b), off);
        if (n != len) {
          throw new Mismatch("short write: " + n + " of " + len + " bytes");
        }
        apply(off, len);
        checkSize("after the write");
      }
      case READ -> {
        int off = size == 0 || random.nextInt(20) == 0 ? random.nextInt(maxSize) : random.nextInt(size);
        int len = 1 + random.nextInt(maxLen);
        log("read " + range(off, len));
        ByteBuffer buf = ByteBuffer.allocate(len);
        int n = ch.read(buf, off);
        int want = Math.max(0, Math.min(len, size - off));
        if (want == 0 ? n > 0 : n != want) {
          throw new Mismatch("read returned " + n + " bytes, the model has " + want + " at " + off
              + " (size " + size + ")" + (n >= 0 && n < want ? ": a SHORT READ" : ""));
        }
        compare(off, Arrays.copyOf(buf.array(), Math.max(n, 0)), "pread");
      }
      case MAPREAD -> {
        if (size == 0) {
          log("mapread skipped (empty file)");
          return;
        }
        int off = random.nextInt(size);
        int len = 1 + random.nextInt(Math.min(maxLen, size - off));
        log("mapread " + range(off, len));
        MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, off, len);
        byte[] got = new byte[len];
        m.get(got);
        unmap(m);
        compare(off, got, "mmap read");
      }
      case MAPWRITE -> {
        int off = random.nextInt(maxSize);
        int len = 1 + random.nextInt(Math.min(maxLen, maxSize - off));
        boolean grow = off + len > size;
        boolean msync = random.nextInt(4) != 0;
        log("mapwrite " + range(off, len) + (grow ? " (ftruncate up from " + size + " first)" : "")
            + (msync ? "" : " (no msync)"));
        if (grow) {
          raf.setLength(off + len);
          resize(off + len);
        }
        byte[] b = fill(off, len);
        MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_WRITE, off, len);
        m.put(b);
        if (msync) {
          m.force();
        } // else the dirty pages go back by the kernel's writeback, at the latest at close
        unmap(m);
        apply(off, len);
        checkSize("after the mmap write");
      }
      case TRUNCATE -> {
        int to = random.nextInt(maxSize + 1);
        log("truncate " + size + " -> " + to + (to > size ? " (up)" : to < size ? " (down)" : ""));
        raf.setLength(to);
        resize(to);
        checkSize("after the truncate");
      }
      case STAT -> {
        log("stat");
        checkSize("fstat");
        long bypath = Files.size(files.get(current));
        if (bypath != size) {
          throw new Mismatch("stat(path) size " + bypath + ", the model has " + size);
        }
      }
      case FSYNC -> {
        log("fsync");
        ch.force(true);
      }
      case REOPEN -> {
        int next = files.size() > 1 && random.nextBoolean() ? 1 - current : current;
        log("close, reopen" + (files.size() > 1 ? " via " + files.get(next) : "") + ", read all");
        close();
        open(next, false);
        verifyAll();
      }
      default -> throw new AssertionError(op);
    }
  }

  // ---- the model ----

  /** The bytes op {@link #opNo} writes at [off, off + len). */
  private byte[] fill(int off, int len) {
    byte[] b = new byte[len];
    for (int i = 0; i < len; i++) {
      b[i] = pattern(opNo, off + i);
    }
    return b;
  }

  private byte pattern(long op, long pos) {
    long z = seed * 0x9E3779B97F4A7C15L + op * 0xBF58476D1CE4E5B9L + pos * 0x94D049BB133111EBL;
    z = (z ^ (z >>> 31)) * 0xBF58476D1CE4E5B9L;
    return (byte) (z ^ (z >>> 29));
  }

  private void apply(int off, int len) {
    byte[] b = fill(off, len);
    System.arraycopy(b, 0, model, off, len);
    Arrays.fill(writer, off, off + len, opNo);
    writes.add(new long[] {opNo, off, len});
    size = Math.max(size, off + len);
  }

  private void resize(int to) {
    if (to < size) {
      Arrays.fill(model, to, size, (byte) 0);
      Arrays.fill(writer, to, size, 0);
    }
    size = to;
  }

  // ---- checks ----

  private void checkSize(String when) throws IOException, Mismatch {
    long s = ch.size();
    if (s != size) {
      throw new Mismatch("fstat " + when + " says size " + s + ", the model has " + size
          + (s < size ? " (an OLDER, SMALLER size)" : ""));
    }
  }

  private void verifyAll() throws IOException, Mismatch {
    checkSize("after open");
    ByteBuffer buf = ByteBuffer.allocate(size);
    while (buf.hasRemaining()) {
      if (ch.read(buf, buf.position()) <= 0) {
        throw new Mismatch("whole-file read ended at " + buf.position() + ", the model has " + size
            + " bytes: a SHORT READ");
      }
    }
    compare(0, buf.array(), "whole-file read");
  }

  private void compare(int off, byte[] got, String what) throws Mismatch {
    int first = -1;
    int last = -1;
    int count = 0;
    for (int i = 0; i < got.length; i++) {
      if (got[i] != model[off + i]) {
        count++;
        last = i;
        if (first < 0) {
          first = i;
        }
      }
    }
    if (first < 0) {
      return;
    }
    long at = off + first;
    StringBuilder s = new StringBuilder();
    s.append(what).append(" of ").append(range(off, got.length)).append(" returned wrong data: ")
        .append(count).append(" bytes differ, first at ").append(describe(at)).append(", last at ")
        .append(describe(off + last)).append('\n');
    s.append("  expected byte written by ").append(writerOf(at)).append('\n');
    s.append("  actual bytes are ").append(traceActual(off, got, first, last)).append('\n');
    int lo = Math.max(0, first - 16 & ~15);
    int hi = Math.min(got.length, lo + 64);
    for (int row = lo; row < hi; row += 16) {
      int end = Math.min(hi, row + 16);
      s.append(String.format("  %8d expected %s%n", off + row, hex(model, off + row, end - row)));
      s.append(String.format("  %8d actual   %s%n", off + row, hex(got, row, end - row)));
    }
    throw new Mismatch(s.toString());
  }

  private String writerOf(long pos) {
    long w = writer[(int) pos];
    return w == 0 ? "nobody (a hole or truncated: zero)" : "op " + w;
  }

  /** Names the op whose pattern the wrong bytes [first, last] are, or says they are zeros. */
  private String traceActual(int off, byte[] got, int first, int last) {
    boolean zeros = true;
    for (int i = first; i <= last && zeros; i++) {
      zeros = got[i] == 0 || got[i] == model[off + i];
    }
    if (zeros) {
      return "zeros where the model has data";
    }
    for (int w = writes.size() - 1; w >= 0; w--) {
      long[] wr = writes.get(w);
      long pos = off + first;
      if (pos >= wr[1] && pos < wr[1] + wr[2] && got[first] == pattern(wr[0], pos)) {
        return "the data of op " + wr[0] + " (" + range(wr[1], wr[2]) + "): an older write";
      }
    }
    return "not the data of any write";
  }

  private String describe(long pos) {
    return pos + (chunkSize > 0 ? " (chunk " + pos / chunkSize + " +" + pos % chunkSize + ")" : "");
  }

  private static String range(long off, long len) {
    return off + "+" + len + " [" + off + ", " + (off + len) + ")";
  }

  private static String hex(byte[] b, int from, int len) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < len; i++) {
      s.append(String.format("%02x", b[from + i] & 0xff)).append(i % 4 == 3 ? " " : "");
    }
    return s.toString();
  }

  // ---- files ----

  /** Opens every handle on file {@code which}; the ops use the first until {@link #use}. */
  private void open(int which, boolean create) throws IOException {
    current = which;
    Path p = files.get(which);
    if (!create && !Files.exists(p)) {
      throw new IOException(p + " does not exist");
    }
    for (int i = 0; i < handleCount; i++) {
      rafs[i] = new RandomAccessFile(p.toFile(), "rw");
    }
    use(0);
  }

  private void use(int i) {
    fd = i;
    raf = rafs[i];
    ch = raf.getChannel();
  }

  private void close() throws IOException {
    raf = null;
    ch = null;
    IOException first = null;
    for (int i = 0; i < handleCount; i++) {
      RandomAccessFile r = rafs[i];
      rafs[i] = null;
      if (r != null) {
        try {
          r.close();
        } catch (IOException e) {
          first = first == null ? e : first;
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }

  private void closeQuietly() {
    try {
      close();
    } catch (IOException e) {
      // reporting the first failure matters more
    }
  }

  /** Unmaps now (as fsx's munmap) instead of whenever the buffer is collected. */
  private static void unmap(MappedByteBuffer m) {
    try {
      Class<?> c = Class.forName("sun.misc.Unsafe");
      java.lang.reflect.Field f = c.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      Method clean = c.getMethod("invokeCleaner", ByteBuffer.class);
      clean.invoke(f.get(null), m);
    } catch (ReflectiveOperationException e) {
      throw new IllegalStateException("cannot unmap", e);
    }
  }

  private void log(String text) {
    opText = text;
    String line = "op " + opNo + ": " + (handleCount > 1 ? "[fd " + fd + "] " : "") + text + " (size " + size + ")";
    history.addLast(line);
    if (history.size() > HISTORY) {
      history.removeFirst();
    }
    if (verbose) {
      out.println(line);
    }
  }

  private String skipped() {
    EnumSet<Op> off = EnumSet.complementOf(enabled);
    return off.isEmpty() ? "none" : off.toString().replaceAll("[\\[\\] ]", "").toLowerCase(Locale.ROOT);
  }

  private void report(String message, Throwable t) {
    out.printf("FAILED seed=%d op=%d: %s%n", seed, opNo, opText);
    out.println(message);
    if (t != null) {
      t.printStackTrace(out);
    }
    out.printf("file %s, model size %d%nlast %d ops:%n", files.get(current), size, history.size());
    history.forEach(h -> out.println("  " + h));
    out.printf("replay: --seed %d --ops %d --max-size %d --max-len %d --handles %d --skip %s%n", seed, opNo,
        maxSize, maxLen, handleCount, skipped());
    out.flush();
  }
}
