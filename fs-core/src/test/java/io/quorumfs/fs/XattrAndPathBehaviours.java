package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Extended attributes, statfs and path resolution: part of {@link FileSystemContract}. */
public abstract class XattrAndPathBehaviours extends NamespaceBehaviours {

  @Test
  void xattr_setThenGet_returnsTheValue() {
    Attr f = file(ROOT, "f");
    fs.setxattr(f.ino(), "user.k", new byte[] {1, 2, 3}, 0);
    assertArrayEquals(new byte[] {1, 2, 3}, fs.getxattr(f.ino(), "user.k"));
    fs.setxattr(f.ino(), "user.k", new byte[] {4}, 0);
    assertArrayEquals(new byte[] {4}, fs.getxattr(f.ino(), "user.k"));
  }

  @Test
  void xattr_createOverExisting_failsWithEEXIST() {
    Attr f = file(ROOT, "f");
    fs.setxattr(f.ino(), "user.k", new byte[] {1}, FileSystem.XATTR_CREATE);
    assertErrno(Errno.EEXIST, () -> fs.setxattr(f.ino(), "user.k", new byte[] {2}, FileSystem.XATTR_CREATE));
    assertArrayEquals(new byte[] {1}, fs.getxattr(f.ino(), "user.k"));
  }

  @Test
  void xattr_replaceOfMissing_failsWithENODATA() {
    Attr f = file(ROOT, "f");
    assertErrno(Errno.ENODATA, () -> fs.setxattr(f.ino(), "user.k", new byte[] {2}, FileSystem.XATTR_REPLACE));
    fs.setxattr(f.ino(), "user.k", new byte[] {1}, 0);
    fs.setxattr(f.ino(), "user.k", new byte[] {3}, FileSystem.XATTR_REPLACE);
    assertArrayEquals(new byte[] {3}, fs.getxattr(f.ino(), "user.k"));
  }

  @Test
  void xattr_getOfMissing_failsWithENODATA() {
    Attr f = file(ROOT, "f");
    assertErrno(Errno.ENODATA, () -> fs.getxattr(f.ino(), "user.none"));
  }

  @Test
  void xattr_list_givesEveryNameInOrder() {
    Attr d = dir(ROOT, "d");
    fs.setxattr(d.ino(), "user.b", new byte[0], 0);
    fs.setxattr(d.ino(), "user.a", new byte[] {1}, 0);
    fs.setxattr(d.ino(), "trusted.z", new byte[] {1}, 0);
    assertEquals(List.of("trusted.z", "user.a", "user.b"), fs.listxattr(d.ino()));
  }

  @Test
  void xattr_remove_deletesAndMissingFailsWithENODATA() {
    Attr f = file(ROOT, "f");
    fs.setxattr(f.ino(), "user.k", new byte[] {1}, 0);
    fs.removexattr(f.ino(), "user.k");
    assertErrno(Errno.ENODATA, () -> fs.getxattr(f.ino(), "user.k"));
    assertErrno(Errno.ENODATA, () -> fs.removexattr(f.ino(), "user.k"));
    assertTrue(fs.listxattr(f.ino()).isEmpty());
  }

  @Test
  void xattr_valueOverLimit_failsWithE2BIG() {
    Attr f = file(ROOT, "f");
    assertErrno(Errno.E2BIG, () -> fs.setxattr(f.ino(), "user.k", new byte[FileSystem.XATTR_SIZE_MAX + 1], 0));
    fs.setxattr(f.ino(), "user.k", new byte[FileSystem.XATTR_SIZE_MAX], 0);
    assertEquals(FileSystem.XATTR_SIZE_MAX, fs.getxattr(f.ino(), "user.k").length);
  }

  @Test
  void xattr_nameOverLimit_failsWithERANGE() {
    Attr f = file(ROOT, "f");
    assertErrno(Errno.ERANGE, () -> fs.setxattr(f.ino(), "user." + "n".repeat(260), new byte[1], 0));
    assertErrno(Errno.ERANGE, () -> fs.getxattr(f.ino(), ""));
  }

  @Test
  void xattr_onRemovedDirectory_failsWithENOENT() {
    Attr d = dir(ROOT, "d");
    fs.setxattr(d.ino(), "user.k", new byte[] {1}, 0);
    fs.rmdir(ROOT, "d");
    assertErrno(Errno.ENOENT, () -> fs.getxattr(d.ino(), "user.k"));
  }

  @Test
  void statfs_reportsNameMaxAndCountsInodes() {
    StatFs before = fs.statfs();
    assertEquals(255, before.namemax());
    file(ROOT, "f");
    dir(ROOT, "d");
    assertEquals(before.ffree() - 2, fs.statfs().ffree());
    assertTrue(before.blocks() > 0 && before.bsize() > 0);
  }

  @Test
  void resolve_walksAbsolutePaths() {
    Attr a = dir(ROOT, "a");
    Attr b = dir(a.ino(), "b");
    Attr f = file(b.ino(), "f");
    assertEquals(f.ino(), fs.resolve("/a/b/f").ino());
    assertEquals(f.ino(), fs.resolve("//a/./b//f/").ino());
    assertEquals(a.ino(), fs.resolve("/a/b/..").ino());
    assertEquals(ROOT, fs.resolve("/").ino());
    assertNotEquals(a.ino(), b.ino());
  }

  @Test
  void resolve_throughAFile_failsWithENOTDIR() {
    file(ROOT, "f");
    assertErrno(Errno.ENOTDIR, () -> fs.resolve("/f/x"));
    assertErrno(Errno.ENOENT, () -> fs.resolve("/none/x"));
  }

  @Test
  void resolve_followsSymlinksInTheMiddleAndOptionallyAtTheEnd() {
    Attr a = dir(ROOT, "a");
    Attr f = file(a.ino(), "f");
    fs.symlink(ROOT, "abs", "/a", 0, 0);
    fs.symlink(ROOT, "rel", "a/f", 0, 0);
    assertEquals(f.ino(), fs.resolve("/abs/f").ino());
    assertTrue(fs.resolve("/rel").isSymlink());
    assertEquals(f.ino(), fs.resolveFollow("/rel").ino());
  }

  @Test
  void resolve_ofSymlinkLoop_failsWithELOOP() {
    fs.symlink(ROOT, "x", "/y", 0, 0);
    fs.symlink(ROOT, "y", "/x", 0, 0);
    assertErrno(Errno.ELOOP, () -> fs.resolveFollow("/x"));
  }

  @Test
  void resolve_ofRelativePath_failsWithEINVAL() {
    assertErrno(Errno.EINVAL, () -> fs.resolve("a/b"));
  }

  @Test
  void resolveParent_givesTheDirectoryAndLastName() {
    Attr a = dir(ROOT, "a");
    FileSystem.ParentAndName p = fs.resolveParent("/a/new");
    assertEquals(a.ino(), p.parent());
    assertEquals("new", p.name());
    assertErrno(Errno.EINVAL, () -> fs.resolveParent("/"));
    assertErrno(Errno.ENAMETOOLONG, () -> fs.resolveParent("/" + "n".repeat(256)));
  }
}
