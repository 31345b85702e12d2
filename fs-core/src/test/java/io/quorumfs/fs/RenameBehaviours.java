package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** rename(2) in every shape: part of {@link FileSystemContract}. */
public abstract class RenameBehaviours extends XattrAndPathBehaviours {

  @Test
  void rename_withinDirectory_movesTheName() {
    Attr f = file(ROOT, "a");
    fs.rename(ROOT, "a", ROOT, "b", 0);
    assertErrno(Errno.ENOENT, () -> fs.lookup(ROOT, "a"));
    assertEquals(f.ino(), fs.lookup(ROOT, "b").ino());
    assertEquals(List.of("b"), names(fs, ROOT));
  }

  @Test
  void rename_ofDirectoryAcrossParents_movesLinksAndDotDot() {
    Attr a = dir(ROOT, "a");
    Attr b = dir(ROOT, "b");
    Attr c = dir(a.ino(), "c");
    fs.rename(a.ino(), "c", b.ino(), "c2", 0);
    assertEquals(c.ino(), fs.lookup(b.ino(), "c2").ino());
    assertEquals(b.ino(), fs.lookup(c.ino(), "..").ino());
    assertEquals(2, fs.getattr(a.ino()).nlink());
    assertEquals(3, fs.getattr(b.ino()).nlink());
  }

  @Test
  void rename_overExistingFile_replacesIt() {
    Attr a = file(ROOT, "a");
    Attr b = file(ROOT, "b");
    fs.rename(ROOT, "a", ROOT, "b", 0);
    assertEquals(a.ino(), fs.lookup(ROOT, "b").ino());
    assertEquals(List.of("b"), names(fs, ROOT));
    assertEquals(0, fs.getattr(b.ino()).nlink());
    ((KvFileSystem) fs).maintain();
    assertErrno(Errno.ENOENT, () -> fs.getattr(b.ino()));
  }

  @Test
  void rename_overHardLinkedFile_dropsOneLink() {
    Attr a = file(ROOT, "a");
    Attr b = file(ROOT, "b");
    fs.link(b.ino(), ROOT, "b2");
    fs.rename(ROOT, "a", ROOT, "b", 0);
    assertEquals(a.ino(), fs.lookup(ROOT, "b").ino());
    assertEquals(1, fs.getattr(b.ino()).nlink());
  }

  @Test
  void rename_overEmptyDirectory_replacesIt() {
    Attr a = dir(ROOT, "a");
    dir(ROOT, "b");
    fs.rename(ROOT, "a", ROOT, "b", 0);
    assertEquals(a.ino(), fs.lookup(ROOT, "b").ino());
    assertEquals(3, fs.getattr(ROOT).nlink());
  }

  @Test
  void rename_overNonEmptyDirectory_failsWithENOTEMPTY() {
    dir(ROOT, "a");
    Attr b = dir(ROOT, "b");
    file(b.ino(), "f");
    assertErrno(Errno.ENOTEMPTY, () -> fs.rename(ROOT, "a", ROOT, "b", 0));
  }

  @Test
  void rename_ofFileOverDirectory_failsWithEISDIR() {
    file(ROOT, "a");
    dir(ROOT, "b");
    assertErrno(Errno.EISDIR, () -> fs.rename(ROOT, "a", ROOT, "b", 0));
  }

  @Test
  void rename_ofDirectoryOverFile_failsWithENOTDIR() {
    dir(ROOT, "a");
    file(ROOT, "b");
    assertErrno(Errno.ENOTDIR, () -> fs.rename(ROOT, "a", ROOT, "b", 0));
  }

  @Test
  void rename_ofDirectoryIntoItsOwnSubtree_failsWithEINVAL() {
    Attr a = dir(ROOT, "a");
    Attr b = dir(a.ino(), "b");
    Attr c = dir(b.ino(), "c");
    assertErrno(Errno.EINVAL, () -> fs.rename(ROOT, "a", c.ino(), "a", 0));
    assertErrno(Errno.EINVAL, () -> fs.rename(ROOT, "a", a.ino(), "x", 0));
    assertEquals(a.ino(), fs.lookup(ROOT, "a").ino());
  }

  @Test
  void rename_withNoReplaceOverExisting_failsWithEEXIST() {
    file(ROOT, "a");
    file(ROOT, "b");
    assertErrno(Errno.EEXIST, () -> fs.rename(ROOT, "a", ROOT, "b", FileSystem.RENAME_NOREPLACE));
  }

  @Test
  void rename_withNoReplaceToFreeName_moves() {
    Attr a = file(ROOT, "a");
    fs.rename(ROOT, "a", ROOT, "b", FileSystem.RENAME_NOREPLACE);
    assertEquals(a.ino(), fs.lookup(ROOT, "b").ino());
  }

  @Test
  void rename_withExchange_swapsAFileAndADirectory() {
    Attr f = file(ROOT, "f");
    Attr d = dir(ROOT, "sub");
    Attr g = dir(d.ino(), "g");
    fs.rename(ROOT, "f", d.ino(), "g", FileSystem.RENAME_EXCHANGE);
    assertEquals(g.ino(), fs.lookup(ROOT, "f").ino());
    assertEquals(f.ino(), fs.lookup(d.ino(), "g").ino());
    assertEquals(ROOT, fs.lookup(g.ino(), "..").ino());
    assertEquals(2, fs.getattr(d.ino()).nlink());
    assertEquals(4, fs.getattr(ROOT).nlink());
  }

  @Test
  void rename_withExchangeAndMissingTarget_failsWithENOENT() {
    file(ROOT, "a");
    assertErrno(Errno.ENOENT, () -> fs.rename(ROOT, "a", ROOT, "b", FileSystem.RENAME_EXCHANGE));
  }

  @Test
  void rename_ofMissingSource_failsWithENOENT() {
    assertErrno(Errno.ENOENT, () -> fs.rename(ROOT, "a", ROOT, "b", 0));
  }

  @Test
  void rename_toItsOwnName_changesNothing() {
    Attr a = file(ROOT, "a");
    fs.rename(ROOT, "a", ROOT, "a", 0);
    assertEquals(a.ino(), fs.lookup(ROOT, "a").ino());
  }

  @Test
  void rename_betweenTwoLinksOfOneInode_changesNothing() {
    Attr a = file(ROOT, "a");
    fs.link(a.ino(), ROOT, "b");
    fs.rename(ROOT, "a", ROOT, "b", 0);
    assertEquals(List.of("a", "b"), names(fs, ROOT));
    assertEquals(2, fs.getattr(a.ino()).nlink());
  }

  @Test
  void rename_withBadFlagsOrNames_failsWithEINVAL() {
    file(ROOT, "a");
    assertErrno(Errno.EINVAL, () -> fs.rename(ROOT, "a", ROOT, "b", 3));
    assertErrno(Errno.EINVAL, () -> fs.rename(ROOT, "a", ROOT, "b", 64));
    assertErrno(Errno.EINVAL, () -> fs.rename(ROOT, "a", ROOT, "..", 0));
    assertErrno(Errno.ENAMETOOLONG, () -> fs.rename(ROOT, "a", ROOT, "x".repeat(256), 0));
  }

  @Test
  void rename_intoMissingDirectory_failsWithENOENT() {
    file(ROOT, "a");
    assertErrno(Errno.ENOENT, () -> fs.rename(ROOT, "a", 123_456_789L, "a", 0));
  }

  @Test
  void rename_keepsDirectoryContents() {
    Attr a = dir(ROOT, "a");
    file(a.ino(), "x");
    file(a.ino(), "y");
    Attr b = dir(ROOT, "b");
    fs.rename(ROOT, "a", b.ino(), "a", 0);
    assertEquals(List.of("x", "y"), names(fs, fs.resolve("/b/a").ino()));
    assertTrue(fs.resolve("/b/a/x").isReg());
  }
}
