package io.quorumfs.fs;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.function.LongFunction;

/** Absolute path resolution over lookup, following symlinks (at most 40). */
final class Paths {
  private static final int MAX_LINKS = 40;

  private final Meta meta;
  private final Namespace ns;
  private final LongFunction<String> readlink;

  Paths(Meta meta, Namespace ns, LongFunction<String> readlink) {
    this.meta = meta;
    this.ns = ns;
    this.readlink = readlink;
  }

  private static Deque<String> split(String path, Deque<String> into) {
    String[] parts = path.split("/");
    for (int i = parts.length - 1; i >= 0; i--) {
      if (!parts[i].isEmpty()) {
        into.push(parts[i]);
      }
    }
    return into;
  }

  private static void checkAbsolute(String path) {
    if (path == null || !path.startsWith("/")) {
      throw new FsException(Errno.EINVAL, "path '" + path + "' is not absolute");
    }
    if (path.indexOf('\0') >= 0) {
      throw new FsException(Errno.EINVAL, "path contains NUL");
    }
    if (Keys.utf8(path).length >= FileSystem.PATH_MAX) {
      throw new FsException(Errno.ENAMETOOLONG, "path of " + Keys.utf8(path).length
          + " bytes exceeds " + (FileSystem.PATH_MAX - 1));
    }
  }

  long resolve(String path, boolean followLast) {
    checkAbsolute(path);
    return walk(FileSystem.ROOT, split(path, new ArrayDeque<>()), followLast);
  }

  private long walk(long start, Deque<String> todo, boolean followLast) {
    long cur = start;
    int links = 0;
    while (!todo.isEmpty()) {
      String name = todo.pop();
      boolean last = todo.isEmpty();
      long dir = cur;
      Inode d = meta.run("resolve", tx -> ns.inode(tx, dir));
      if (!d.isDir()) {
        throw new FsException(Errno.ENOTDIR, "'" + name + "': inode " + dir + " on the path is a "
            + Mode.typeName(d.mode()) + ", not a directory");
      }
      long next = meta.run("resolve", tx -> ns.lookupIno(tx, dir, name));
      Inode n = meta.run("resolve", tx -> ns.inode(tx, next));
      if (Mode.isLink(n.mode()) && (!last || followLast)) {
        if (++links > MAX_LINKS) {
          throw new FsException(Errno.ELOOP, "more than " + MAX_LINKS + " symlinks resolving '"
              + name + "'");
        }
        String target = readlink.apply(next);
        split(target, todo);
        if (target.startsWith("/")) {
          cur = FileSystem.ROOT;
        }
        continue;
      }
      cur = next;
    }
    return cur;
  }

  FileSystem.ParentAndName parent(String path) {
    checkAbsolute(path);
    Deque<String> parts = split(path, new ArrayDeque<>());
    if (parts.isEmpty()) {
      throw new FsException(Errno.EINVAL, "'/' has no parent");
    }
    String name = parts.removeLast();
    long parent = walk(FileSystem.ROOT, parts, true);
    Inode p = meta.run("resolve", tx -> ns.inode(tx, parent));
    if (!p.isDir()) {
      throw new FsException(Errno.ENOTDIR, "parent of '" + path + "' is a " + Mode.typeName(p.mode()));
    }
    if (!name.equals(".") && !name.equals("..")) {
      Names.check(name);
    }
    return new FileSystem.ParentAndName(parent, name);
  }
}
