package io.quorumfs.bench.fuse;

import com.kenai.jffi.Library;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import io.quorumfs.blob.KvBlobStore;
import io.quorumfs.fs.DirPage;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.kv.MemKvStore;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.provider.jffi.ClosureHelper;
import ru.serce.jnrfuse.FuseCallbacks;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.struct.FileStat;

/**
 * What one readdir entry costs on the Java side of jnr-fuse, without a mount: the filler libfuse
 * hands to readdir is a native function pointer that jnr-fuse wraps as a {@link FuseFillDir}; here
 * it points at libc's {@code abs} (which ignores the extra arguments, so only the call itself is
 * measured), wrapped the same way. Variants: the adapter's way (stat struct filled, name encoded
 * into a direct buffer per entry), a null stat, names encoded beforehand, and jnr-fuse's own
 * String/FileStat overload. Prints ns per entry (best of several rounds).
 *
 * <pre>java ... io.quorumfs.bench.fuse.FillerProbe [entries=5000] [rounds=200]</pre>
 */
public final class FillerProbe {
  private FillerProbe() {}

  public static void main(String[] args) {
    int entries = args.length > 0 ? Integer.parseInt(args[0]) : 5000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 200;
    Runtime rt = Runtime.getSystemRuntime();
    // ClosureHelper takes its class loader from jnr's closure manager, which makes one on the first
    // Java callback handed to native code (as jnr-fuse does when it mounts): do the same first.
    rt.getClosureManager().getClosurePointer(FuseCallbacks.GetAttrCallback.class, (path, stbuf) -> 0);
    long abs = Library.getCachedInstance("libc.so.6", Library.LAZY).getSymbolAddress("abs");
    FuseFillDir filler = (FuseFillDir) ClosureHelper.getInstance().getNativeConveter(FuseFillDir.class)
        .fromNative(Pointer.wrap(rt, abs), ClosureHelper.getInstance().getFromNativeContext());
    Pointer buf = Pointer.wrap(rt, 0L);
    FileStat st = new FileStat(rt);
    Pointer stMem = Struct.getMemory(st);
    String[] names = new String[entries];
    ByteBuffer[] encoded = new ByteBuffer[entries];
    for (int i = 0; i < entries; i++) {
      names[i] = String.format("f%05d", i);
      byte[] b = names[i].getBytes(StandardCharsets.UTF_8);
      encoded[i] = ByteBuffer.allocateDirect(b.length + 1).put(b).put((byte) 0).flip();
    }
    ByteBuffer scratch = ByteBuffer.allocateDirect(256);
    String[] variants = {"adapter (stat + encode per entry)", "null stat, encode per entry",
        "stat, pre-encoded names", "null stat, pre-encoded names", "jnr-fuse String overload",
        "encode only (no call)", "stat fill only (no call)"};
    for (int v = 0; v < variants.length; v++) {
      long best = Long.MAX_VALUE;
      for (int r = 0; r < rounds; r++) {
        long t = System.nanoTime();
        for (int i = 0; i < entries; i++) {
          switch (v) {
            case 0 -> {
              st.st_ino.set(i);
              st.st_mode.set(0100000);
              filler.apply(buf, encode(scratch, names[i]), stMem, i + 3);
            }
            case 1 -> filler.apply(buf, encode(scratch, names[i]), null, i + 3);
            case 2 -> {
              st.st_ino.set(i);
              st.st_mode.set(0100000);
              filler.apply(buf, encoded[i], stMem, i + 3);
            }
            case 3 -> filler.apply(buf, encoded[i], null, i + 3);
            case 4 -> filler.apply(buf, names[i], st, i + 3);
            case 5 -> encode(scratch, names[i]);
            default -> {
              st.st_ino.set(i);
              st.st_mode.set(0100000);
            }
          }
        }
        best = Math.min(best, System.nanoTime() - t);
      }
      System.out.printf("%-36s %8.1f ns per entry%n", variants[v], best / (double) entries);
    }
    fsCoreListing(entries, Math.max(1, rounds / 10));
  }

  /** fs-core's own readdir of {@code entries} names (mem: metadata), in the adapter's pages of 1,024. */
  private static void fsCoreListing(int entries, int rounds) {
    try (MemKvStore meta = new MemKvStore(); MemKvStore blobKv = new MemKvStore();
        FileSystem fs = FileSystems.open(meta, KvBlobStore.builder(blobKv).build(), FsConfig.defaults())) {
      long dir = fs.mkdir(FileSystem.ROOT, "d", 0755, 0, 0).ino();
      for (int i = 0; i < entries; i++) {
        fs.release(fs.create(dir, String.format("f%05d", i), 0644, 0, 0, FileSystem.O_WRONLY).fh());
      }
      long best = Long.MAX_VALUE;
      for (int r = 0; r < rounds; r++) {
        long t = System.nanoTime();
        String after = null;
        int n = 0;
        while (true) {
          DirPage p = fs.readdir(dir, after, 1024);
          n += p.entries().size();
          if (!p.more() || p.entries().isEmpty()) {
            break;
          }
          after = p.entries().get(p.entries().size() - 1).name();
        }
        if (n != entries) {
          throw new IllegalStateException("listed " + n + " of " + entries);
        }
        best = Math.min(best, System.nanoTime() - t);
      }
      System.out.printf("%-36s %8.1f ns per entry (%.2f ms per listing)%n", "fs-core readdir, pages of 1024",
          best / (double) entries, best / 1e6);
    }
  }

  private static ByteBuffer encode(ByteBuffer b, String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    b.clear();
    b.put(utf8).put((byte) 0).flip();
    return b;
  }
}
