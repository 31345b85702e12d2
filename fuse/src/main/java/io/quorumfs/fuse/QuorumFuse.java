package io.quorumfs.fuse;

import io.quorumfs.fs.Attr;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.Mode;
import io.quorumfs.fs.Opened;
import io.quorumfs.fs.SetAttr;
import io.quorumfs.fs.StatFs;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import jnr.ffi.types.dev_t;
import jnr.ffi.types.gid_t;
import jnr.ffi.types.mode_t;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.uid_t;
import ru.serce.jnrfuse.FuseFillDir;
import ru.serce.jnrfuse.struct.FileStat;
import ru.serce.jnrfuse.struct.Flock;
import ru.serce.jnrfuse.struct.FuseContext;
import ru.serce.jnrfuse.struct.FuseFileInfo;
import ru.serce.jnrfuse.struct.Statvfs;
import ru.serce.jnrfuse.struct.Timespec;

/**
 * The libfuse 2 path operations, each a few lines over fs-core through the one {@link Guard}.
 * Paths resolve through the {@link Namespace}; file and directory handles live in {@link
 * Handles}. Operations on an open file use its handle only (libfuse may pass a null path).
 */
final class QuorumFuse extends NativeFuse {
  private static final long UTIME_NOW = (1L << 30) - 1;
  private static final long UTIME_OMIT = (1L << 30) - 2;
  private static final long NO_ID = 0xFFFFFFFFL; // chown's "leave unchanged" ((uid_t) -1)

  private final Namespace ns;
  private final Guard guard;
  private final OpenFiles files = new OpenFiles();
  private final Handles<DirReader> dirs = new Handles<>();
  // Read/write buffers are pooled, not per thread: libfuse 2's loop starts and ends worker threads
  // on bursts of requests (the JVM saw thousands per run), and each would allocate its own.
  private final ArrayBlockingQueue<byte[]> buffers = new ArrayBlockingQueue<>(64);
  private final ThreadLocal<ByteBuffer> nameBuffers = ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(1024));
  private final ThreadLocal<FileStat> direntStat = ThreadLocal.withInitial(() -> {
    FileStat st = new FileStat(Runtime.getSystemRuntime());
    Struct.getMemory(st); // allocate native memory once per thread
    return st;
  });

  private final boolean coherent;
  /** Per st_ino: the attribute version this mount last opened the file at (whose pages the kernel may hold). */
  private final ConcurrentHashMap<Long, Long> openedVersions = new ConcurrentHashMap<>();
  private static final int OPENED_VERSIONS_MAX = 100_000;

  QuorumFuse(Namespace ns, Guard guard, boolean coherent) {
    this.ns = ns;
    this.guard = guard;
    this.coherent = coherent;
  }

  /**
   * Resolves a path the kernel asks about. Coherent mounts take the file system's read barrier
   * first, so whatever another mount's close or fsync returned before this request is seen.
   */
  private Namespace.Node resolveFresh(String path) {
    if (coherent) {
      ns.barrier(path);
    }
    return ns.resolve(path);
  }

  // ---- attributes ----

  @Override
  public int getattr(String path, FileStat st) {
    return guard.callReadOnly("getattr", path, () -> {
      Namespace.Node n = resolveFresh(path); // libfuse 2 turns the kernel's LOOKUP into this call too
      Stats.fill(st, n.attr(), n.stIno());
      return 0;
    });
  }

  @Override
  public int fgetattr(String path, FileStat st, FuseFileInfo fi) {
    return guard.callReadOnly("fgetattr", path, () -> {
      OpenFiles.OpenFile f = files.get(fi.fh.get());
      Stats.fill(st, f.vol().fs().getattr(f.ino()), f.vol().stIno(f.ino()));
      return 0;
    });
  }

  @Override
  public int chmod(String path, @mode_t long mode) {
    return guard.call("chmod", path, () -> setattr(path, SetAttr.mode((int) mode)));
  }

  @Override
  public int chown(String path, @uid_t long uid, @gid_t long gid) {
    return guard.call("chown", path, () -> setattr(path,
        SetAttr.owner(uid == NO_ID || uid == -1 ? null : (int) uid, gid == NO_ID || gid == -1 ? null : (int) gid)));
  }

  @Override
  public int truncate(String path, @off_t long size) {
    return guard.call("truncate", path, () -> setattr(path, SetAttr.size(size)));
  }

  @Override
  public int ftruncate(String path, @off_t long size, FuseFileInfo fi) {
    return guard.call("ftruncate", path, () -> {
      OpenFiles.OpenFile f = files.get(fi.fh.get());
      f.vol().fs().setattr(f.ino(), SetAttr.size(size));
      return 0;
    });
  }

  @Override
  public int utimens(String path, Timespec[] ts) {
    return guard.call("utimens", path, () -> {
      Namespace.Node n = ns.resolve(path);
      SetAttr times = SetAttr.times(time(ts[0]), time(ts[1]));
      if (times.isEmpty() || n.synthetic()) {
        return n.synthetic() ? -Errors.EROFS : 0;
      }
      // fs-core commits this client's buffered writes before applying the times (cp -a, tar).
      n.fs().setattr(n.ino(), times);
      return 0;
    });
  }

  private static Long time(Timespec t) {
    long nsec = t.tv_nsec.longValue();
    if (nsec == UTIME_OMIT) {
      return null;
    }
    if (nsec == UTIME_NOW) {
      return SetAttr.NOW;
    }
    return t.tv_sec.get() * 1_000_000_000L + nsec;
  }

  private int setattr(String path, SetAttr changes) {
    Namespace.Node n = ns.resolve(path);
    if (changes.isEmpty()) {
      return 0;
    }
    n.fs().setattr(n.ino(), changes);
    return 0;
  }

  @Override
  public int access(String path, int mask) {
    return guard.callReadOnly("access", path, () -> {
      Namespace.Node n = ns.resolve(path);
      if (n.synthetic()) {
        return (mask & FileSystem.W_OK) != 0 ? -Errors.EROFS : 0;
      }
      FuseContext ctx = getContext();
      n.fs().access(n.ino(), mask, (int) ctx.uid.get(), new int[] {(int) ctx.gid.get()});
      return 0;
    });
  }

  @Override
  public int statfs(String path, Statvfs st) {
    return guard.callReadOnly("statfs", path, () -> {
      Namespace.Node n = ns.resolve(path == null ? "/" : path);
      FileSystem fs = n.synthetic() ? ns.volumes().get(0).fs() : n.fs();
      StatFs s = fs.statfs();
      st.f_bsize.set(s.bsize());
      st.f_frsize.set(s.frsize());
      st.f_blocks.set(s.blocks());
      st.f_bfree.set(s.bfree());
      st.f_bavail.set(s.bavail());
      st.f_files.set(s.files());
      st.f_ffree.set(s.ffree());
      st.f_favail.set(s.ffree());
      st.f_namemax.set(s.namemax());
      return 0;
    });
  }

  // ---- names ----

  @Override
  public int mknod(String path, @mode_t long mode, @dev_t long rdev) {
    return guard.call("mknod", path, () -> {
      Namespace.Target t = ns.target(path, Errors.EEXIST);
      FuseContext ctx = getContext();
      t.vol().fs().mknod(t.parent(), t.name(), (int) mode, (int) ctx.uid.get(), (int) ctx.gid.get(), rdev);
      return 0;
    });
  }

  @Override
  public int mkdir(String path, @mode_t long mode) {
    return guard.call("mkdir", path, () -> {
      Namespace.Target t = ns.target(path, Errors.EEXIST);
      FuseContext ctx = getContext();
      t.vol().fs().mkdir(t.parent(), t.name(), (int) mode, (int) ctx.uid.get(), (int) ctx.gid.get());
      return 0;
    });
  }

  @Override
  public int symlink(String target, String linkPath) {
    return guard.call("symlink", linkPath, () -> {
      Namespace.Target t = ns.target(linkPath, Errors.EEXIST);
      FuseContext ctx = getContext();
      t.vol().fs().symlink(t.parent(), t.name(), target, (int) ctx.uid.get(), (int) ctx.gid.get());
      return 0;
    });
  }

  @Override
  public int readlink(String path, Pointer buf, @size_t long size) {
    return guard.callReadOnly("readlink", path, () -> {
      Namespace.Node n = ns.resolve(path);
      byte[] target = n.fs().readlink(n.ino()).getBytes(StandardCharsets.UTF_8);
      int len = (int) Math.min(target.length, size - 1);
      buf.put(0, target, 0, len);
      buf.putByte(len, (byte) 0);
      return 0;
    });
  }

  @Override
  public int unlink(String path) {
    return guard.call("unlink", path, () -> {
      Namespace.Target t = ns.target(path, Errors.EBUSY);
      t.vol().fs().unlink(t.parent(), t.name());
      return 0;
    });
  }

  @Override
  public int rmdir(String path) {
    return guard.call("rmdir", path, () -> {
      Namespace.Target t = ns.target(path, Errors.EBUSY);
      t.vol().fs().rmdir(t.parent(), t.name());
      ns.forget(path);
      return 0;
    });
  }

  @Override
  public int rename(String oldPath, String newPath) {
    return guard.call("rename", oldPath, () -> {
      Namespace.Target from = ns.target(oldPath, Errors.EBUSY);
      Namespace.Target to = ns.target(newPath, Errors.EBUSY);
      if (from.vol() != to.vol()) {
        throw new Refused(Errors.EXDEV, oldPath + " and " + newPath + " are on different file systems");
      }
      from.vol().fs().rename(from.parent(), from.name(), to.parent(), to.name(), 0);
      ns.forget(oldPath);
      ns.forget(newPath);
      return 0;
    });
  }

  @Override
  public int link(String oldPath, String newPath) {
    return guard.call("link", newPath, () -> {
      Namespace.Node source = ns.resolve(oldPath);
      Namespace.Target to = ns.target(newPath, Errors.EEXIST);
      if (source.vol() != to.vol()) {
        throw new Refused(Errors.EXDEV, oldPath + " and " + newPath + " are on different file systems");
      }
      to.vol().fs().link(source.ino(), to.parent(), to.name());
      return 0;
    });
  }

  // ---- directories ----

  @Override
  public int opendir(String path, FuseFileInfo fi) {
    return guard.callReadOnly("opendir", path, () -> {
      Namespace.Node n = resolveFresh(path);
      if (!n.attr().isDir()) {
        return -Errors.ENOTDIR;
      }
      List<DirReader.Item> fixed = new ArrayList<>();
      fixed.add(new DirReader.Item(".", n.stIno(), Mode.S_IFDIR));
      // A real inode number: glibc's readdir skips entries whose d_ino is 0.
      fixed.add(new DirReader.Item("..", ns.parentStIno(path, n), Mode.S_IFDIR));
      Set<String> children = ns.childMounts(path);
      for (String child : children) {
        Namespace.Node c = ns.resolve(path.equals("/") ? "/" + child : path + "/" + child);
        fixed.add(new DirReader.Item(child, c.stIno(), Mode.S_IFDIR));
      }
      fi.fh.set(dirs.add(new DirReader(n.vol(), n.ino(), fixed, children)));
      return 0;
    });
  }

  @Override
  public int readdir(String path, Pointer buf, FuseFillDir filler, @off_t long offset, FuseFileInfo fi) {
    return guard.callReadOnly("readdir", path, () -> {
      DirReader reader = dirs.get(fi.fh.get());
      FileStat st = direntStat.get();
      Pointer stMem = Struct.getMemory(st);
      reader.read(offset, (item, off) -> {
        st.st_ino.set(item.stIno());
        st.st_mode.set(item.type());
        return filler.apply(buf, cString(item.name()), stMem, off) == 0;
      });
      return 0;
    });
  }

  /** The name as a NUL-terminated C string in a per-thread direct buffer (jnr passes it without a copy). */
  private ByteBuffer cString(String s) {
    byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
    ByteBuffer b = nameBuffers.get();
    if (b.capacity() < utf8.length + 1) {
      b = ByteBuffer.allocateDirect(utf8.length + 1);
      nameBuffers.set(b);
    }
    b.clear();
    b.put(utf8).put((byte) 0).flip();
    return b;
  }

  @Override
  public int releasedir(String path, FuseFileInfo fi) {
    return guard.call("releasedir", path, () -> {
      dirs.remove(fi.fh.get());
      return 0;
    });
  }

  @Override
  public int fsyncdir(String path, FuseFileInfo fi) {
    return guard.call("fsyncdir", path, () -> {
      Namespace.Node n = ns.resolve(path);
      if (!n.synthetic()) {
        n.vol().fs().syncfs(); // this client's delegated namespace operations (docs/fs.md)
      }
      return 0;
    });
  }

  // ---- files ----

  @Override
  public int create(String path, @mode_t long mode, FuseFileInfo fi) {
    return guard.call("create", path, () -> {
      if (coherent) {
        ns.barrier(path);
      }
      Namespace.Target t = ns.target(path, Errors.EEXIST);
      FuseContext ctx = getContext();
      Opened o = t.vol().fs().create(t.parent(), t.name(), (int) mode, (int) ctx.uid.get(), (int) ctx.gid.get(),
          fi.flags.get());
      fi.fh.set(files.add(t.vol(), o.fh(), o.attr().ino()));
      return 0;
    });
  }

  @Override
  public int open(String path, FuseFileInfo fi) {
    return guard.call("open", path, () -> {
      Namespace.Node n = resolveFresh(path);
      long fh = n.fs().open(n.ino(), fi.flags.get());
      try {
        if (coherent) {
          setKeepCache(fi, keepPages(n));
        }
      } catch (RuntimeException e) {
        n.fs().release(fh);
        throw e;
      }
      fi.fh.set(files.add(n.vol(), fh, n.ino()));
      return 0;
    });
  }

  /**
   * True if the kernel may keep the pages it holds for this file: its attribute version is the
   * one this mount last opened it at (every committed write changes it, this mount's own too).
   * Otherwise the kernel drops them at this open and reads what the file holds now.
   */
  private boolean keepPages(Namespace.Node n) {
    long version = n.fs().attrVersion(n.ino());
    if (openedVersions.size() >= OPENED_VERSIONS_MAX) {
      openedVersions.clear(); // forgetting only makes the next opens drop pages
    }
    Long before = openedVersions.put(n.stIno(), version);
    return before != null && before == version;
  }

  /**
   * Sets fuse_file_info's keep_cache bit and clears direct_io. jnr-fuse declares the bit fields as
   * padding, so the word is written by hand: libfuse 2 keeps them in the 32-bit word just before
   * {@code fh} (direct_io bit 0, keep_cache bit 1, then flush, nonseekable, flock_release).
   */
  static void setKeepCache(FuseFileInfo fi, boolean keep) {
    Pointer mem = Struct.getMemory(fi);
    long at = fi.fh.offset() - 4;
    int bits = mem.getInt(at) & ~0b11;
    mem.putInt(at, keep ? bits | 0b10 : bits);
  }

  @Override
  public int read(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    return guard.callReadOnly("read", path, () -> {
      OpenFiles.OpenFile f = files.get(fi.fh.get());
      byte[] b = takeBuffer(size);
      try {
        int n = f.vol().fs().read(f.fh(), offset, b, 0, (int) size);
        if (n > 0) {
          buf.put(0, b, 0, n);
        }
        return n;
      } finally {
        buffers.offer(b);
      }
    });
  }

  @Override
  public int write(String path, Pointer buf, @size_t long size, @off_t long offset, FuseFileInfo fi) {
    return guard.call("write", path, () -> {
      OpenFiles.OpenFile f = files.get(fi.fh.get());
      byte[] b = takeBuffer(size);
      try {
        buf.get(0, b, 0, (int) size);
        return f.vol().fs().write(f.fh(), offset, b, 0, (int) size);
      } finally {
        buffers.offer(b);
      }
    });
  }

  /** A pooled buffer of at least {@code size} bytes; give it back with {@code buffers.offer}. */
  private byte[] takeBuffer(long size) {
    byte[] b = buffers.poll();
    if (b == null || b.length < size) {
      b = new byte[(int) Math.max(size, MountOptions.MAX_WRITE)];
    }
    return b;
  }

  @Override
  public int flush(String path, FuseFileInfo fi) {
    return guard.call("flush", path, () -> {
      OpenFiles.OpenFile f = files.get(fi.fh.get());
      f.vol().fs().flush(f.fh());
      return 0;
    });
  }

  @Override
  public int fsync(String path, int isdatasync, FuseFileInfo fi) {
    return guard.call("fsync", path, () -> {
      OpenFiles.OpenFile f = files.get(fi.fh.get());
      f.vol().fs().fsync(f.fh(), isdatasync != 0);
      return 0;
    });
  }

  @Override
  public int release(String path, FuseFileInfo fi) {
    return guard.call("release", path, () -> {
      OpenFiles.OpenFile f = files.remove(fi.fh.get());
      if (f != null) {
        f.vol().fs().release(f.fh());
      }
      return 0;
    });
  }

  @Override
  public int fallocate(String path, int mode, @off_t long off, @off_t long length, FuseFileInfo fi) {
    return guard.call("fallocate", path, () -> {
      OpenFiles.OpenFile f = files.get(fi.fh.get());
      f.vol().fs().fallocate(f.fh(), mode, off, length);
      return 0;
    });
  }

  // ---- locks ----

  @Override
  public int flock(String path, FuseFileInfo fi, int op) {
    Guard.Call body = () -> {
      OpenFiles.OpenFile f = files.get(fi.fh.get());
      f.vol().fs().flock(f.fh(), fi.lock_owner.get(), op);
      return 0;
    };
    boolean blocks = (op & FileSystem.LOCK_NB) == 0 && (op & FileSystem.LOCK_UN) == 0;
    return blocks ? guard.callWaiting("flock", path, body) : guard.call("flock", path, body);
  }

  @Override
  public int lock(String path, FuseFileInfo fi, int cmd, Flock flock) {
    Guard.Call body = () -> {
      OpenFiles.OpenFile f = files.get(fi.fh.get());
      return RecordLocks.apply(f.vol().fs(), f.fh(), fi.lock_owner.get(), cmd, flock);
    };
    return cmd == RecordLocks.F_SETLKW ? guard.callWaiting("lock", path, body) : guard.call("lock", path, body);
  }

  // ---- extended attributes ----

  @Override
  public int setxattr(String path, String name, Pointer value, @size_t long size, int flags) {
    return guard.call("setxattr", path, () -> {
      Xattrs.refuseAcl(name);
      Namespace.Node n = ns.resolve(path);
      byte[] v = new byte[(int) size];
      value.get(0, v, 0, v.length);
      n.fs().setxattr(n.ino(), name, v, flags);
      return 0;
    });
  }

  @Override
  public int getxattr(String path, String name, Pointer value, @size_t long size) {
    return guard.callReadOnly("getxattr", path, () -> {
      Xattrs.refuseAcl(name);
      Namespace.Node n = ns.resolve(path);
      return Xattrs.copyOut(n.fs().getxattr(n.ino(), name), value, size);
    });
  }

  @Override
  public int listxattr(String path, Pointer list, @size_t long size) {
    return guard.callReadOnly("listxattr", path, () -> {
      Namespace.Node n = ns.resolve(path);
      return Xattrs.copyOut(Xattrs.nameList(n.fs().listxattr(n.ino())), list, size);
    });
  }

  @Override
  public int removexattr(String path, String name) {
    return guard.call("removexattr", path, () -> {
      Xattrs.refuseAcl(name);
      Namespace.Node n = ns.resolve(path);
      n.fs().removexattr(n.ino(), name);
      return 0;
    });
  }

  // ---- lifecycle ----

  @Override
  void flushAll() {
    files.flushAll();
  }

  @Override
  void releaseAll() {
    files.releaseAll();
    dirs.clear();
  }

  @Override
  void shutdown() {
    guard.close();
  }
}
