package io.quorumfs.fuse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import jnr.ffi.Pointer;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.FuseFileInfo;

/**
 * A tiny file system for testing the mount machinery without fs-core: "/" holds "hello" (6 bytes),
 * "slow" (getattr blocks until interrupted) and "boom" (getattr throws).
 */
final class StubFs extends NativeFuse {
  private final Guard guard;
  private final Path flushMarker;

  StubFs(Duration opTimeout, Path flushMarker) {
    this.guard = new Guard(opTimeout);
    this.flushMarker = flushMarker;
  }

  @Override
  public int getattr(String path, FileStat st) {
    return guard.call("getattr", path, () -> {
      switch (path) {
        case "/":
          st.st_mode.set(FileStat.S_IFDIR | 0755);
          st.st_nlink.set(2);
          st.st_ino.set(1);
          return 0;
        case "/hello":
          st.st_mode.set(FileStat.S_IFREG | 0644);
          st.st_nlink.set(1);
          st.st_size.set(6);
          st.st_ino.set(42);
          return 0;
        case "/slow":
          Thread.sleep(Long.MAX_VALUE);
          return 0;
        case "/boom":
          throw new IllegalStateException("boom on purpose");
        default:
          return -Errors.ENOENT;
      }
    });
  }

  @Override
  public int readdir(String path, Pointer buf, FuseFillDir filler, long offset, FuseFileInfo fi) {
    return guard.call("readdir", path, () -> {
      filler.apply(buf, ".", null, 0);
      filler.apply(buf, "..", null, 0);
      filler.apply(buf, "hello", null, 0);
      return 0;
    });
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    return guard.call("open", path, () -> "/hello".equals(path) ? 0 : -Errors.ENOENT);
  }

  @Override
  public int read(String path, Pointer buf, long size, long offset, FuseFileInfo fi) {
    return guard.call("read", path, () -> {
      byte[] data = "hello\n".getBytes();
      if (offset >= data.length) {
        return 0;
      }
      int n = (int) Math.min(size, data.length - offset);
      buf.put(0, data, (int) offset, n);
      return n;
    });
  }

  @Override
  void flushAll() {
    if (flushMarker != null) {
      try {
        Files.writeString(flushMarker, "flushed");
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  @Override
  void releaseAll() {}

  @Override
  void shutdown() {
    guard.close();
  }
}
