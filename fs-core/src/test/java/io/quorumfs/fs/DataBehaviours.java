package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Versioned;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** File contents: handles, buffering, chunks, truncation, holes. Part of {@link FileSystemContract}. */
public abstract class DataBehaviours extends RenameBehaviours {

  private Versioned chunkEntry(long ino, long index) {
    return store.get(new Keys(config.keyPrefix()).chunk(ino, index));
  }

  @Test
  void write_thenRead_roundTripsSmallFile() {
    Attr a = writeFile(fs, ROOT, "f", "hello world".getBytes());
    assertEquals(11, a.size());
    assertArrayEquals("hello world".getBytes(), readAll(fs, a.ino()));
  }

  @Test
  void write_ofSeveralChunks_roundTrips() {
    byte[] data = random(CHUNK * 3 + CHUNK / 2, 1);
    Attr a = writeFile(fs, ROOT, "f", data);
    assertEquals(data.length, a.size());
    assertArrayEquals(data, readAll(fs, a.ino()));
    assertTrue(chunkEntry(a.ino(), 3).exists());
    assertFalse(chunkEntry(a.ino(), 4).exists());
  }

  @Test
  void write_inSmallPieces_roundTrips() {
    byte[] data = random(CHUNK + 1000, 2);
    Opened o = fs.create(ROOT, "f", 0644, 0, 0, FileSystem.O_WRONLY);
    for (int at = 0; at < data.length; at += 777) {
      int n = Math.min(777, data.length - at);
      assertEquals(n, fs.write(o.fh(), at, data, at, n));
    }
    fs.release(o.fh());
    assertArrayEquals(data, readAll(fs, o.attr().ino()));
  }

  @Test
  void write_overAChunkAlreadyUploading_keepsTheLaterBytes() {
    // A full chunk starts uploading at once; a later write to it must win over that upload.
    byte[] data = random(CHUNK * 2, 3);
    Opened o = fs.create(ROOT, "f", 0644, 0, 0, FileSystem.O_WRONLY);
    writeAll(fs, o.fh(), 0, data);
    byte[] patch = random(100, 4);
    writeAll(fs, o.fh(), CHUNK - 50, patch);
    System.arraycopy(patch, 0, data, CHUNK - 50, 100);
    fs.release(o.fh());
    assertArrayEquals(data, readAll(fs, o.attr().ino()));
  }

  @Test
  void write_pastAFullBufferInFullChunks_commitsWhatIsUploadedAndRoundTrips() {
    FileSystem small = client(config.toBuilder().writeBufferBytes(3L * CHUNK).build());
    byte[] data = random(CHUNK * 10 + 123, 5);
    Opened o = small.create(ROOT, "f", 0644, 0, 0, FileSystem.O_WRONLY);
    for (int at = 0; at < data.length; at += 8192) {
      int n = Math.min(8192, data.length - at);
      assertEquals(n, small.write(o.fh(), at, data, at, n));
    }
    small.fsync(o.fh(), false);
    assertEquals(data.length, fs.getattr(o.attr().ino()).size());
    small.release(o.fh());
    assertArrayEquals(data, readAll(fs, o.attr().ino()));
  }

  @Test
  void randomReads_ofAFileBiggerThanTheBlockCache_readRangesCorrectly() {
    byte[] data = random(CHUNK * 6 + 1000, 6);
    Attr a = writeFile(fs, ROOT, "f", data);
    FileSystem reader = client(config.toBuilder().blockCacheBytes(2L * CHUNK).build());
    long fh = reader.open(a.ino(), FileSystem.O_RDONLY);
    java.util.Random r = new java.util.Random(7);
    byte[] buf = new byte[5000];
    for (int i = 0; i < 200; i++) {
      int at = r.nextInt(data.length);
      int n = reader.read(fh, at, buf, 0, buf.length);
      assertEquals(Math.min(buf.length, data.length - at), n);
      assertArrayEquals(Arrays.copyOfRange(data, at, at + n), Arrays.copyOf(buf, n), "read at " + at);
    }
    reader.release(fh);
  }

  @Test
  void setattrTimes_withWritesStillBuffered_keepsTheGivenMtimeAfterClose() {
    // cp -a and tar set times on a file they still hold open: the buffered data must be
    // committed first, or its flush at close would move mtime to "now" again.
    Opened o = fs.create(ROOT, "f", 0644, 0, 0, FileSystem.O_WRONLY);
    writeAll(fs, o.fh(), 0, "buffered".getBytes());
    long mtime = 1_000_000_000_123L;
    fs.setattr(o.attr().ino(), SetAttr.times(mtime, mtime));
    fs.release(o.fh());
    Attr a = fs.getattr(o.attr().ino());
    assertEquals(mtime, a.mtimeNs());
    assertArrayEquals("buffered".getBytes(), readAll(fs, a.ino()));
  }

  @Test
  void read_atOrPastEndOfFile_returnsZeroBytes() {
    Attr a = writeFile(fs, ROOT, "f", new byte[10]);
    long fh = fs.open(a.ino(), FileSystem.O_RDONLY);
    byte[] buf = new byte[5];
    assertEquals(0, fs.read(fh, 10, buf, 0, 5));
    assertEquals(0, fs.read(fh, 1000, buf, 0, 5));
    assertEquals(3, fs.read(fh, 7, buf, 0, 5));
    fs.release(fh);
  }

  @Test
  void sparseFile_readsZerosInHoles() {
    Opened o = fs.create(ROOT, "f", 0644, 0, 0, FileSystem.O_RDWR);
    writeAll(fs, o.fh(), 3L * CHUNK + 5, new byte[] {7, 7});
    fs.release(o.fh());
    Attr a = fs.getattr(o.attr().ino());
    assertEquals(3L * CHUNK + 7, a.size());
    byte[] all = readAll(fs, a.ino());
    for (int i = 0; i < all.length - 2; i++) {
      assertEquals(0, all[i], "byte " + i);
    }
    assertFalse(chunkEntry(a.ino(), 0).exists(), "a hole stores nothing");
  }

  @Test
  void randomWrite_rewritesOnlyTheAffectedChunk() {
    byte[] data = random(CHUNK * 4, 3);
    Attr a = writeFile(fs, ROOT, "f", data);
    Versioned c0 = chunkEntry(a.ino(), 0);
    Versioned c2 = chunkEntry(a.ino(), 2);
    long fh = fs.open(a.ino(), FileSystem.O_RDWR);
    writeAll(fs, fh, 2L * CHUNK + 100, new byte[] {1, 2, 3});
    fs.release(fh);
    assertEquals(c0, chunkEntry(a.ino(), 0), "untouched chunk keeps its entry");
    assertNotEquals(c2.version(), chunkEntry(a.ino(), 2).version());
    data[2 * CHUNK + 100] = 1;
    data[2 * CHUNK + 101] = 2;
    data[2 * CHUNK + 102] = 3;
    assertArrayEquals(data, readAll(fs, a.ino()));
  }

  @Test
  void overwrite_acrossAChunkBoundary_keepsTheRest() {
    byte[] data = random(CHUNK * 2, 4);
    Attr a = writeFile(fs, ROOT, "f", data);
    byte[] patch = random(100, 5);
    long fh = fs.open(a.ino(), FileSystem.O_WRONLY);
    writeAll(fs, fh, CHUNK - 50, patch);
    fs.release(fh);
    System.arraycopy(patch, 0, data, CHUNK - 50, 100);
    assertArrayEquals(data, readAll(fs, a.ino()));
  }

  @Test
  void truncate_shrinkThenGrow_readsZerosInTheGrownPart() {
    byte[] data = random(CHUNK * 2 + 10, 6);
    Attr a = writeFile(fs, ROOT, "f", data);
    fs.setattr(a.ino(), SetAttr.size(CHUNK / 2));
    assertArrayEquals(Arrays.copyOf(data, CHUNK / 2), readAll(fs, a.ino()));
    assertFalse(chunkEntry(a.ino(), 1).exists());
    fs.setattr(a.ino(), SetAttr.size(CHUNK + 7));
    byte[] want = Arrays.copyOf(Arrays.copyOf(data, CHUNK / 2), CHUNK + 7);
    assertArrayEquals(want, readAll(fs, a.ino()));
  }

  @Test
  void truncate_toZero_andWriteAgain() {
    Attr a = writeFile(fs, ROOT, "f", random(5000, 7));
    fs.setattr(a.ino(), SetAttr.size(0));
    assertEquals(0, fs.getattr(a.ino()).size());
    long fh = fs.open(a.ino(), FileSystem.O_WRONLY);
    writeAll(fs, fh, 10, new byte[] {9});
    fs.release(fh);
    byte[] want = new byte[11];
    want[10] = 9;
    assertArrayEquals(want, readAll(fs, a.ino()));
  }

  @Test
  void truncate_withPendingWrites_flushesThemFirst() {
    Opened o = fs.create(ROOT, "f", 0644, 0, 0, FileSystem.O_RDWR);
    writeAll(fs, o.fh(), 0, random(1000, 8));
    fs.setattr(o.attr().ino(), SetAttr.size(10));
    fs.release(o.fh());
    assertEquals(10, fs.getattr(o.attr().ino()).size());
  }

  @Test
  void appendHandle_writesAtTheEnd() {
    Attr a = writeFile(fs, ROOT, "f", "abc".getBytes());
    long fh = fs.open(a.ino(), FileSystem.O_WRONLY | FileSystem.O_APPEND);
    writeAll(fs, fh, 0, "de".getBytes());
    writeAll(fs, fh, 0, "f".getBytes());
    fs.release(fh);
    assertArrayEquals("abcdef".getBytes(), readAll(fs, a.ino()));
  }

  @Test
  void open_withTrunc_emptiesTheFile() {
    Attr a = writeFile(fs, ROOT, "f", "abc".getBytes());
    long fh = fs.open(a.ino(), FileSystem.O_WRONLY | FileSystem.O_TRUNC);
    assertEquals(0, fs.getattr(a.ino()).size());
    fs.release(fh);
  }

  @Test
  void read_onWriteOnlyHandle_failsWithEBADF_andWriteOnReadOnly_too() {
    Attr a = writeFile(fs, ROOT, "f", "abc".getBytes());
    long w = fs.open(a.ino(), FileSystem.O_WRONLY);
    long r = fs.open(a.ino(), FileSystem.O_RDONLY);
    assertErrno(Errno.EBADF, () -> fs.read(w, 0, new byte[1], 0, 1));
    assertErrno(Errno.EBADF, () -> fs.write(r, 0, new byte[1], 0, 1));
    fs.release(w);
    fs.release(r);
  }

  @Test
  void unknownHandle_failsWithEBADF() {
    assertErrno(Errno.EBADF, () -> fs.read(424242, 0, new byte[1], 0, 1));
    assertErrno(Errno.EBADF, () -> fs.flush(424242));
    fs.release(424242);
  }

  @Test
  void open_ofDirectoryForWriting_failsWithEISDIR() {
    Attr d = dir(ROOT, "d");
    assertErrno(Errno.EISDIR, () -> fs.open(d.ino(), FileSystem.O_RDWR));
    fs.release(fs.open(d.ino(), FileSystem.O_RDONLY | FileSystem.O_DIRECTORY));
  }

  @Test
  void open_ofMissingInode_failsWithENOENT() {
    assertErrno(Errno.ENOENT, () -> fs.open(77_777_777L, FileSystem.O_RDONLY));
  }

  @Test
  void getattr_seesBufferedWritesOfThisClient() {
    Opened o = fs.create(ROOT, "f", 0644, 0, 0, FileSystem.O_WRONLY);
    writeAll(fs, o.fh(), 0, new byte[1234]);
    assertEquals(1234, fs.getattr(o.attr().ino()).size());
    fs.release(o.fh());
  }

  @Test
  void read_seesWritesOfAnotherHandleOfThisClient() {
    Opened o = fs.create(ROOT, "f", 0644, 0, 0, FileSystem.O_WRONLY);
    long r = fs.open(o.attr().ino(), FileSystem.O_RDONLY);
    writeAll(fs, o.fh(), 0, "xyz".getBytes());
    assertArrayEquals("xyz".getBytes(), read(fs, r, 0, 3));
    fs.release(o.fh());
    fs.release(r);
  }

  @Test
  void write_updatesMtimeAndSize() {
    Attr a = writeFile(fs, ROOT, "f", new byte[1]);
    clock.advance(java.time.Duration.ofSeconds(2));
    long fh = fs.open(a.ino(), FileSystem.O_WRONLY);
    writeAll(fs, fh, 100, new byte[1]);
    fs.fsync(fh, false);
    Attr b = fs.getattr(a.ino());
    assertEquals(101, b.size());
    assertTrue(b.mtimeNs() > a.mtimeNs());
    fs.release(fh);
  }

  @Test
  void write_beyondMaximumSize_failsWithEFBIG() {
    Opened o = fs.create(ROOT, "f", 0644, 0, 0, FileSystem.O_WRONLY);
    assertErrno(Errno.EFBIG, () -> fs.write(o.fh(), FileSystem.MAX_FILE_SIZE, new byte[1], 0, 1));
    fs.release(o.fh());
  }

  @Test
  void fallocate_extendsSizeOrKeepsIt() {
    Opened o = fs.create(ROOT, "f", 0644, 0, 0, FileSystem.O_RDWR);
    fs.fallocate(o.fh(), FileSystem.FALLOC_FL_KEEP_SIZE, 0, 5000);
    assertEquals(0, fs.getattr(o.attr().ino()).size());
    fs.fallocate(o.fh(), 0, 100, 5000);
    assertEquals(5100, fs.getattr(o.attr().ino()).size());
    assertErrno(Errno.EOPNOTSUPP, () -> fs.fallocate(o.fh(), 0x8, 0, 10));
    assertErrno(Errno.EINVAL, () -> fs.fallocate(o.fh(), 0, -1, 10));
    fs.release(o.fh());
    assertArrayEquals(new byte[5100], readAll(fs, o.attr().ino()));
  }

  @Test
  void identicalChunks_shareOneBlob() {
    byte[] data = random(CHUNK, 9);
    Attr a = writeFile(fs, ROOT, "a", data);
    Attr b = writeFile(fs, ROOT, "b", data);
    assertArrayEquals(Arrays.copyOf(chunkEntry(a.ino(), 0).value(), 32),
        Arrays.copyOf(chunkEntry(b.ino(), 0).value(), 32));
  }

  @Test
  void create_withoutExclOverExistingFile_opensIt() {
    writeFile(fs, ROOT, "f", "abc".getBytes());
    Opened o = fs.create(ROOT, "f", 0644, 0, 0, FileSystem.O_RDWR | FileSystem.O_TRUNC);
    assertEquals(0, o.attr().size());
    fs.release(o.fh());
    assertErrno(Errno.EEXIST, () -> fs.create(ROOT, "f", 0644, 0, 0, FileSystem.O_RDWR | FileSystem.O_EXCL));
    dir(ROOT, "d");
    assertErrno(Errno.EISDIR, () -> fs.create(ROOT, "d", 0644, 0, 0, FileSystem.O_RDWR));
  }

  @Test
  void unlinkWhileOpen_keepsDataReadableUntilRelease() {
    byte[] data = random(CHUNK + 5, 10);
    Attr a = writeFile(fs, ROOT, "f", data);
    long fh = fs.open(a.ino(), FileSystem.O_RDONLY);
    fs.unlink(ROOT, "f");
    assertErrno(Errno.ENOENT, () -> fs.lookup(ROOT, "f"));
    assertEquals(0, fs.getattr(a.ino()).nlink());
    assertArrayEquals(data, read(fs, fh, 0, data.length));
    fs.release(fh);
    assertErrno(Errno.ENOENT, () -> fs.getattr(a.ino()));
    assertFalse(chunkEntry(a.ino(), 0).exists(), "data reclaimed after the last close");
  }

  @Test
  void unlinkedFile_isReclaimedAfterTheGracePeriod() {
    Attr a = writeFile(fs, ROOT, "f", random(100, 11));
    fs.unlink(ROOT, "f");
    ((KvFileSystem) fs).maintain();
    assertErrno(Errno.ENOENT, () -> fs.getattr(a.ino()));
    assertFalse(chunkEntry(a.ino(), 0).exists());
  }

  @Test
  void unlinkedSymlink_isReclaimedWithoutChangingTheByteCounter() {
    // git init probes for symlinks with symlink("testing", ...) and unlinks it: once reclaimed,
    // its size (the target's 7 bytes) came off the statfs byte counter, which never had it.
    Attr s = fs.symlink(ROOT, "s", "testing", 0, 0);
    fs.unlink(ROOT, "s");
    ((KvFileSystem) fs).maintain();
    assertErrno(Errno.ENOENT, () -> fs.getattr(s.ino()));
    Fsck.Report r = Fsck.run(store, blobs, config, false);
    assertTrue(r.clean(), () -> r.problems().toString());
  }

  @Test
  void hardLink_seesTheSameData() {
    Attr a = writeFile(fs, ROOT, "f", "data".getBytes());
    fs.link(a.ino(), ROOT, "g");
    fs.unlink(ROOT, "f");
    assertArrayEquals("data".getBytes(), readAll(fs, fs.lookup(ROOT, "g").ino()));
  }

  @Test
  void manyChunksInOneFlush_andTruncateOfThem_work() {
    byte[] data = random(CHUNK * 70 + 3, 12);
    Attr a = writeFile(fs, ROOT, "f", data);
    assertArrayEquals(data, readAll(fs, a.ino()));
    fs.setattr(a.ino(), SetAttr.size(CHUNK + 1));
    assertArrayEquals(Arrays.copyOf(data, CHUNK + 1), readAll(fs, a.ino()));
    fs.unlink(ROOT, "f");
    ((KvFileSystem) fs).maintain();
    assertFalse(chunkEntry(a.ino(), 0).exists());
  }

  @Test
  void statfs_countsBytesOfFiles() {
    long before = fs.statfs().bfree();
    writeFile(fs, ROOT, "f", new byte[4096 * 10]);
    assertEquals(before - 10, fs.statfs().bfree());
  }
}
