package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Names, attributes, directories, links: part of {@link FileSystemContract}. */
public abstract class NamespaceBehaviours extends FsFixture {

  @Test
  void root_isADirectoryWithTwoLinks() {
    Attr r = fs.getattr(ROOT);
    assertTrue(r.isDir());
    assertEquals(2, r.nlink());
    assertEquals(ROOT, r.ino());
  }

  @Test
  void lookup_ofMissingName_failsWithENOENT() {
    assertErrno(Errno.ENOENT, () -> fs.lookup(ROOT, "nope"));
  }

  @Test
  void lookup_ofDotAndDotDot_givesDirAndParent() {
    Attr d = dir(ROOT, "d");
    assertEquals(d.ino(), fs.lookup(d.ino(), ".").ino());
    assertEquals(ROOT, fs.lookup(d.ino(), "..").ino());
    assertEquals(ROOT, fs.lookup(ROOT, "..").ino());
  }

  @Test
  void lookup_insideAFile_failsWithENOTDIR() {
    Attr f = file(ROOT, "f");
    assertErrno(Errno.ENOTDIR, () -> fs.lookup(f.ino(), "x"));
  }

  @Test
  void getattr_ofUnknownInode_failsWithENOENT() {
    assertErrno(Errno.ENOENT, () -> fs.getattr(999_999_999L));
  }

  @Test
  void mknod_regularFile_hasRequestedAttributes() {
    Attr a = fs.mknod(ROOT, "f", Mode.S_IFREG | 0640, 1234, 5678, 0);
    assertTrue(a.isReg());
    assertEquals(0640, a.perm());
    assertEquals(1234, a.uid());
    assertEquals(5678, a.gid());
    assertEquals(1, a.nlink());
    assertEquals(0, a.size());
    assertEquals(a, fs.lookup(ROOT, "f"));
  }

  @Test
  void mknod_withoutTypeBits_createsRegularFile() {
    assertTrue(fs.mknod(ROOT, "f", 0600, 0, 0, 0).isReg());
  }

  @Test
  void mknod_fifoAndCharDevice_keepTypeAndRdev() {
    Attr fifo = fs.mknod(ROOT, "p", Mode.S_IFIFO | 0600, 0, 0, 0);
    Attr chr = fs.mknod(ROOT, "c", Mode.S_IFCHR | 0600, 0, 0, 0x0103);
    assertEquals(Mode.S_IFIFO, fs.getattr(fifo.ino()).type());
    assertEquals(Mode.S_IFCHR, fs.getattr(chr.ino()).type());
    assertEquals(0x0103, fs.getattr(chr.ino()).rdev());
  }

  @Test
  void mknod_ofDirectoryType_failsWithEINVAL() {
    assertErrno(Errno.EINVAL, () -> fs.mknod(ROOT, "d", Mode.S_IFDIR | 0755, 0, 0, 0));
  }

  @Test
  void mknod_overExistingName_failsWithEEXIST() {
    file(ROOT, "f");
    assertErrno(Errno.EEXIST, () -> file(ROOT, "f"));
    dir(ROOT, "d");
    assertErrno(Errno.EEXIST, () -> file(ROOT, "d"));
  }

  @Test
  void mknod_inMissingParent_failsWithENOENT() {
    assertErrno(Errno.ENOENT, () -> file(987_654_321L, "f"));
  }

  @Test
  void mknod_inAFile_failsWithENOTDIR() {
    Attr f = file(ROOT, "f");
    assertErrno(Errno.ENOTDIR, () -> file(f.ino(), "g"));
  }

  @Test
  void name_of255Bytes_isAccepted() {
    String n = "a".repeat(255);
    file(ROOT, n);
    assertTrue(names(fs, ROOT).contains(n));
  }

  @Test
  void name_over255Bytes_failsWithENAMETOOLONG() {
    assertErrno(Errno.ENAMETOOLONG, () -> file(ROOT, "a".repeat(256)));
    assertErrno(Errno.ENAMETOOLONG, () -> dir(ROOT, "b".repeat(300)));
    assertErrno(Errno.ENAMETOOLONG, () -> fs.lookup(ROOT, "c".repeat(256)));
  }

  @Test
  void name_ofMultibyteCharsOver255Bytes_failsWithENAMETOOLONG() {
    assertErrno(Errno.ENAMETOOLONG, () -> file(ROOT, "é".repeat(128)));
    file(ROOT, "é".repeat(127));
  }

  @Test
  void name_withSlash_failsWithEINVAL() {
    assertErrno(Errno.EINVAL, () -> file(ROOT, "a/b"));
  }

  @Test
  void name_withNul_failsWithEINVAL() {
    assertErrno(Errno.EINVAL, () -> file(ROOT, "a\0b"));
    assertErrno(Errno.EINVAL, () -> dir(ROOT, "\0"));
  }

  @Test
  void name_emptyOrDot_failsWithEINVAL() {
    assertErrno(Errno.EINVAL, () -> file(ROOT, ""));
    assertErrno(Errno.EINVAL, () -> dir(ROOT, "."));
    assertErrno(Errno.EINVAL, () -> dir(ROOT, ".."));
  }

  @Test
  void inodeNumbers_areUniqueAndStable() {
    Set<Long> seen = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      assertTrue(seen.add(file(ROOT, "f" + i).ino()));
    }
    assertEquals(fs.lookup(ROOT, "f7").ino(), fs.lookup(ROOT, "f7").ino());
  }

  @Test
  void mkdir_bumpsParentLinkCount() {
    Attr d = dir(ROOT, "d");
    assertEquals(2, d.nlink());
    assertEquals(3, fs.getattr(ROOT).nlink());
    dir(d.ino(), "e");
    assertEquals(3, fs.getattr(d.ino()).nlink());
    file(d.ino(), "f");
    assertEquals(3, fs.getattr(d.ino()).nlink());
  }

  @Test
  void mkdir_overExistingName_failsWithEEXIST() {
    dir(ROOT, "d");
    assertErrno(Errno.EEXIST, () -> dir(ROOT, "d"));
  }

  @Test
  void create_inDirectory_advancesItsMtimeAndCtime() throws Exception {
    Attr d = dir(ROOT, "d");
    clock.advance(java.time.Duration.ofSeconds(5));
    file(d.ino(), "f");
    Attr after = fs.getattr(d.ino());
    assertTrue(after.mtimeNs() > d.mtimeNs(), "mtime moves");
    assertTrue(after.ctimeNs() > d.ctimeNs(), "ctime moves");
  }

  @Test
  void readdir_ofEmptyDirectory_isEmpty() {
    Attr d = dir(ROOT, "d");
    DirPage p = fs.readdir(d.ino(), null, 10);
    assertTrue(p.entries().isEmpty());
  }

  @Test
  void readdir_listsEntriesSortedWithTypesAndInodes() {
    Attr b = file(ROOT, "b");
    Attr a = dir(ROOT, "a");
    Attr c = fs.symlink(ROOT, "c", "b", 0, 0);
    List<DirEntry> es = fs.readdir(ROOT, null, 10).entries();
    assertEquals(List.of(new DirEntry("a", a.ino(), Mode.S_IFDIR),
        new DirEntry("b", b.ino(), Mode.S_IFREG), new DirEntry("c", c.ino(), Mode.S_IFLNK)), es);
  }

  @Test
  void readdir_inPages_returnsEveryEntryOnce() {
    Attr d = dir(ROOT, "d");
    Set<String> want = new HashSet<>();
    for (int i = 0; i < 120; i++) {
      want.add("n" + i);
      file(d.ino(), "n" + i);
    }
    List<String> got = new ArrayList<>();
    String after = null;
    while (true) {
      DirPage p = fs.readdir(d.ino(), after, 7);
      assertTrue(p.entries().size() <= 7);
      p.entries().forEach(e -> got.add(e.name()));
      if (!p.more()) {
        break;
      }
      after = p.next();
    }
    assertEquals(want.size(), got.size());
    assertEquals(want, new HashSet<>(got));
  }

  @Test
  void readdir_withConcurrentInserts_listsOldEntriesExactlyOnce() {
    Attr d = dir(ROOT, "d");
    for (int i = 0; i < 40; i++) {
      file(d.ino(), String.format("m%02d", i));
    }
    List<String> got = new ArrayList<>();
    String after = null;
    int round = 0;
    while (true) {
      DirPage p = fs.readdir(d.ino(), after, 5);
      p.entries().forEach(e -> got.add(e.name()));
      file(d.ino(), "a" + round);
      file(d.ino(), "z" + round++);
      if (!p.more()) {
        break;
      }
      after = p.next();
    }
    for (int i = 0; i < 40; i++) {
      String n = String.format("m%02d", i);
      assertEquals(1, got.stream().filter(n::equals).count(), n);
    }
  }

  @Test
  void readdir_ofAFile_failsWithENOTDIR() {
    Attr f = file(ROOT, "f");
    assertErrno(Errno.ENOTDIR, () -> fs.readdir(f.ino(), null, 10));
  }

  @Test
  void readdir_withZeroLimit_failsWithEINVAL() {
    assertErrno(Errno.EINVAL, () -> fs.readdir(ROOT, null, 0));
  }

  @Test
  void unlink_removesTheEntry() {
    file(ROOT, "f");
    fs.unlink(ROOT, "f");
    assertErrno(Errno.ENOENT, () -> fs.lookup(ROOT, "f"));
    assertTrue(names(fs, ROOT).isEmpty());
  }

  @Test
  void unlink_ofMissingName_failsWithENOENT() {
    assertErrno(Errno.ENOENT, () -> fs.unlink(ROOT, "f"));
  }

  @Test
  void unlink_ofDirectory_failsWithEISDIR() {
    dir(ROOT, "d");
    assertErrno(Errno.EISDIR, () -> fs.unlink(ROOT, "d"));
  }

  @Test
  void rmdir_ofEmptyDirectory_removesItAndDropsParentLink() {
    dir(ROOT, "d");
    assertEquals(3, fs.getattr(ROOT).nlink());
    fs.rmdir(ROOT, "d");
    assertErrno(Errno.ENOENT, () -> fs.lookup(ROOT, "d"));
    assertEquals(2, fs.getattr(ROOT).nlink());
  }

  @Test
  void rmdir_ofNonEmptyDirectory_failsWithENOTEMPTY() {
    Attr d = dir(ROOT, "d");
    file(d.ino(), "f");
    assertErrno(Errno.ENOTEMPTY, () -> fs.rmdir(ROOT, "d"));
    fs.unlink(d.ino(), "f");
    fs.rmdir(ROOT, "d");
  }

  @Test
  void rmdir_ofFile_failsWithENOTDIR() {
    file(ROOT, "f");
    assertErrno(Errno.ENOTDIR, () -> fs.rmdir(ROOT, "f"));
  }

  @Test
  void rmdir_thenCreateInsideTheGoneDirectory_failsWithENOENT() {
    Attr d = dir(ROOT, "d");
    fs.rmdir(ROOT, "d");
    assertErrno(Errno.ENOENT, () -> file(d.ino(), "f"));
  }

  @Test
  void link_sharesTheInodeAndCountsLinks() {
    Attr f = file(ROOT, "f");
    Attr d = dir(ROOT, "d");
    Attr l = fs.link(f.ino(), d.ino(), "g");
    assertEquals(f.ino(), l.ino());
    assertEquals(2, fs.getattr(f.ino()).nlink());
    assertEquals(f.ino(), fs.lookup(d.ino(), "g").ino());
    fs.unlink(ROOT, "f");
    assertEquals(1, fs.getattr(f.ino()).nlink());
    assertEquals(f.ino(), fs.lookup(d.ino(), "g").ino());
  }

  @Test
  void link_ofDirectory_failsWithEPERM() {
    Attr d = dir(ROOT, "d");
    assertErrno(Errno.EPERM, () -> fs.link(d.ino(), ROOT, "e"));
  }

  @Test
  void link_overExistingName_failsWithEEXIST() {
    Attr f = file(ROOT, "f");
    file(ROOT, "g");
    assertErrno(Errno.EEXIST, () -> fs.link(f.ino(), ROOT, "g"));
  }

  @Test
  void symlink_storesTargetVerbatim() {
    Attr s = fs.symlink(ROOT, "s", "../some/where", 7, 8);
    assertTrue(s.isSymlink());
    assertEquals("../some/where", fs.readlink(s.ino()));
    assertEquals("../some/where".length(), s.size());
    assertEquals(7, s.uid());
  }

  @Test
  void readlink_ofAFile_failsWithEINVAL() {
    Attr f = file(ROOT, "f");
    assertErrno(Errno.EINVAL, () -> fs.readlink(f.ino()));
  }

  @Test
  void symlink_withTargetOverPathMax_failsWithENAMETOOLONG() {
    assertErrno(Errno.ENAMETOOLONG, () -> fs.symlink(ROOT, "s", "x".repeat(4096), 0, 0));
    assertErrno(Errno.EINVAL, () -> fs.symlink(ROOT, "s", "", 0, 0));
  }

  @Test
  void chmod_changesPermissionBitsOnly() {
    Attr f = file(ROOT, "f");
    Attr a = fs.setattr(f.ino(), SetAttr.mode(Mode.S_IFDIR | 04711));
    assertTrue(a.isReg());
    assertEquals(04711, a.perm());
    assertEquals(04711, fs.getattr(f.ino()).perm());
  }

  @Test
  void chown_changesOwnerAndLeavesOmittedFields() {
    Attr f = file(ROOT, "f");
    fs.setattr(f.ino(), SetAttr.owner(42, null));
    Attr a = fs.getattr(f.ino());
    assertEquals(42, a.uid());
    assertEquals(1000, a.gid());
  }

  @Test
  void utimens_setsGivenTimesAndNow() {
    Attr f = file(ROOT, "f");
    fs.setattr(f.ino(), SetAttr.times(1_000_000_123L, 2_000_000_456L));
    Attr a = fs.getattr(f.ino());
    assertEquals(1_000_000_123L, a.atimeNs());
    assertEquals(2_000_000_456L, a.mtimeNs());
    assertTrue(a.ctimeNs() >= f.ctimeNs());
    fs.setattr(f.ino(), SetAttr.NONE.withMtime(SetAttr.NOW));
    assertTrue(fs.getattr(f.ino()).mtimeNs() > 2_000_000_456L);
  }

  @Test
  void utimens_onDirectory_setsMtimeEvenBackwards() {
    Attr d = dir(ROOT, "d");
    file(d.ino(), "f");
    fs.setattr(d.ino(), SetAttr.times(null, 5_000_000_000L));
    assertEquals(5_000_000_000L, fs.getattr(d.ino()).mtimeNs());
  }

  @Test
  void setattr_advancesCtime() {
    Attr f = file(ROOT, "f");
    clock.advance(java.time.Duration.ofSeconds(3));
    Attr a = fs.setattr(f.ino(), SetAttr.mode(0600));
    assertTrue(a.ctimeNs() > f.ctimeNs());
  }

  @Test
  void truncate_ofDirectory_failsWithEISDIR() {
    Attr d = dir(ROOT, "d");
    assertErrno(Errno.EISDIR, () -> fs.setattr(d.ino(), SetAttr.size(0)));
  }

  @Test
  void truncate_toNegativeSize_failsWithEINVAL() {
    Attr f = file(ROOT, "f");
    assertErrno(Errno.EINVAL, () -> fs.setattr(f.ino(), SetAttr.size(-1)));
  }

  @Test
  void truncate_beyondMaximumSize_failsWithEFBIG() {
    Attr f = file(ROOT, "f");
    assertErrno(Errno.EFBIG, () -> fs.setattr(f.ino(), SetAttr.size(FileSystem.MAX_FILE_SIZE + 1)));
  }

  @Test
  void access_checksOwnerGroupAndOther() {
    Attr f = fs.mknod(ROOT, "f", 0640, 10, 20, 0);
    fs.access(f.ino(), FileSystem.R_OK | FileSystem.W_OK, 10, new int[0]);
    fs.access(f.ino(), FileSystem.R_OK, 11, new int[] {20});
    assertErrno(Errno.EACCES, () -> fs.access(f.ino(), FileSystem.W_OK, 11, new int[] {20}));
    assertErrno(Errno.EACCES, () -> fs.access(f.ino(), FileSystem.R_OK, 12, new int[0]));
    fs.access(f.ino(), FileSystem.R_OK | FileSystem.W_OK, 0, new int[0]);
    assertErrno(Errno.EACCES, () -> fs.access(f.ino(), FileSystem.X_OK, 0, new int[0]));
  }
}
