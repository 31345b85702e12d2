package io.quorumfs.fs;

import io.quorumfs.kv.KvStore;
import java.util.List;

/** The {@link FileSystem} over a {@link KvStore}: work in progress. */
final class KvFileSystem implements FileSystem {

  private final KvStore meta;
  private final FsConfig config;

  private KvFileSystem(KvStore meta, FsConfig config) {
    this.meta = meta;
    this.config = config;
  }

  static KvFileSystem open(KvStore meta, FsConfig config) {
    return new KvFileSystem(meta, config);
  }

  @Override
  public Attr lookup(long parent, String name) {
    throw new FsException(Errno.ENOSYS, "lookup is not implemented yet");
  }

  @Override
  public Attr getattr(long ino) {
    throw new FsException(Errno.ENOSYS, "getattr is not implemented yet");
  }

  @Override
  public Attr setattr(long ino, SetAttr changes) {
    throw new FsException(Errno.ENOSYS, "setattr is not implemented yet");
  }

  @Override
  public void access(long ino, int mask, int uid, int[] gids) {
    throw new FsException(Errno.ENOSYS, "access is not implemented yet");
  }

  @Override
  public Attr mknod(long parent, String name, int mode, int uid, int gid, long rdev) {
    throw new FsException(Errno.ENOSYS, "mknod is not implemented yet");
  }

  @Override
  public Opened create(long parent, String name, int mode, int uid, int gid, int flags) {
    throw new FsException(Errno.ENOSYS, "create is not implemented yet");
  }

  @Override
  public Attr mkdir(long parent, String name, int mode, int uid, int gid) {
    throw new FsException(Errno.ENOSYS, "mkdir is not implemented yet");
  }

  @Override
  public Attr symlink(long parent, String name, String target, int uid, int gid) {
    throw new FsException(Errno.ENOSYS, "symlink is not implemented yet");
  }

  @Override
  public String readlink(long ino) {
    throw new FsException(Errno.ENOSYS, "readlink is not implemented yet");
  }

  @Override
  public Attr link(long ino, long newParent, String newName) {
    throw new FsException(Errno.ENOSYS, "link is not implemented yet");
  }

  @Override
  public void unlink(long parent, String name) {
    throw new FsException(Errno.ENOSYS, "unlink is not implemented yet");
  }

  @Override
  public void rmdir(long parent, String name) {
    throw new FsException(Errno.ENOSYS, "rmdir is not implemented yet");
  }

  @Override
  public void rename(long oldParent, String oldName, long newParent, String newName, int flags) {
    throw new FsException(Errno.ENOSYS, "rename is not implemented yet");
  }

  @Override
  public DirPage readdir(long ino, String after, int limit) {
    throw new FsException(Errno.ENOSYS, "readdir is not implemented yet");
  }

  @Override
  public byte[] getxattr(long ino, String name) {
    throw new FsException(Errno.ENOSYS, "getxattr is not implemented yet");
  }

  @Override
  public void setxattr(long ino, String name, byte[] value, int flags) {
    throw new FsException(Errno.ENOSYS, "setxattr is not implemented yet");
  }

  @Override
  public List<String> listxattr(long ino) {
    throw new FsException(Errno.ENOSYS, "listxattr is not implemented yet");
  }

  @Override
  public void removexattr(long ino, String name) {
    throw new FsException(Errno.ENOSYS, "removexattr is not implemented yet");
  }

  @Override
  public StatFs statfs() {
    throw new FsException(Errno.ENOSYS, "statfs is not implemented yet");
  }

  @Override
  public long open(long ino, int flags) {
    throw new FsException(Errno.ENOSYS, "open is not implemented yet");
  }

  @Override
  public int read(long fh, long offset, byte[] dst, int off, int len) {
    throw new FsException(Errno.ENOSYS, "read is not implemented yet");
  }

  @Override
  public int write(long fh, long offset, byte[] src, int off, int len) {
    throw new FsException(Errno.ENOSYS, "write is not implemented yet");
  }

  @Override
  public void flush(long fh) {
    throw new FsException(Errno.ENOSYS, "flush is not implemented yet");
  }

  @Override
  public void fsync(long fh, boolean dataOnly) {
    throw new FsException(Errno.ENOSYS, "fsync is not implemented yet");
  }

  @Override
  public void release(long fh) {
    throw new FsException(Errno.ENOSYS, "release is not implemented yet");
  }

  @Override
  public void fallocate(long fh, int mode, long offset, long length) {
    throw new FsException(Errno.ENOSYS, "fallocate is not implemented yet");
  }

  @Override
  public void flock(long fh, long owner, int op) {
    throw new FsException(Errno.ENOSYS, "flock is not implemented yet");
  }

  @Override
  public FileLock getlk(long fh, long owner, FileLock lock) {
    throw new FsException(Errno.ENOSYS, "getlk is not implemented yet");
  }

  @Override
  public void setlk(long fh, long owner, FileLock lock, boolean wait) {
    throw new FsException(Errno.ENOSYS, "setlk is not implemented yet");
  }

  @Override
  public Attr resolve(String path) {
    throw new FsException(Errno.ENOSYS, "resolve is not implemented yet");
  }

  @Override
  public Attr resolveFollow(String path) {
    throw new FsException(Errno.ENOSYS, "resolveFollow is not implemented yet");
  }

  @Override
  public ParentAndName resolveParent(String path) {
    throw new FsException(Errno.ENOSYS, "resolveParent is not implemented yet");
  }

  @Override
  public long sessionId() {
    throw new FsException(Errno.ENOSYS, "sessionId is not implemented yet");
  }

  @Override
  public void close() {
  }

}
