package io.quorumfs.fs;

/**
 * The changes of one {@link FileSystem#setattr}: each field is null when unchanged. Times are
 * nanoseconds since the epoch, or {@link #NOW} for the file system's current time
 * (UTIME_NOW). {@code ctime} is always set to now by any change and cannot be given.
 *
 * <p>Build with the static factories and withers: {@code SetAttr.size(0).withMtime(SetAttr.NOW)}.
 */
public record SetAttr(Integer mode, Integer uid, Integer gid, Long size, Long atimeNs,
    Long mtimeNs) {

  /** A time value meaning "the current time" (like UTIME_NOW). */
  public static final long NOW = Long.MIN_VALUE;

  public static final SetAttr NONE = new SetAttr(null, null, null, null, null, null);

  public static SetAttr mode(int mode) {
    return NONE.withMode(mode);
  }

  public static SetAttr owner(Integer uid, Integer gid) {
    return new SetAttr(null, uid, gid, null, null, null);
  }

  public static SetAttr size(long size) {
    return NONE.withSize(size);
  }

  public static SetAttr times(Long atimeNs, Long mtimeNs) {
    return new SetAttr(null, null, null, null, atimeNs, mtimeNs);
  }

  /** Only the permission bits of {@code mode} are used; the type cannot change. */
  public SetAttr withMode(int mode) {
    return new SetAttr(mode, uid, gid, size, atimeNs, mtimeNs);
  }

  public SetAttr withUid(int uid) {
    return new SetAttr(mode, uid, gid, size, atimeNs, mtimeNs);
  }

  public SetAttr withGid(int gid) {
    return new SetAttr(mode, uid, gid, size, atimeNs, mtimeNs);
  }

  public SetAttr withSize(long size) {
    return new SetAttr(mode, uid, gid, size, atimeNs, mtimeNs);
  }

  public SetAttr withAtime(long atimeNs) {
    return new SetAttr(mode, uid, gid, size, atimeNs, mtimeNs);
  }

  public SetAttr withMtime(long mtimeNs) {
    return new SetAttr(mode, uid, gid, size, atimeNs, mtimeNs);
  }

  public boolean isEmpty() {
    return mode == null && uid == null && gid == null && size == null && atimeNs == null
        && mtimeNs == null;
  }
}
