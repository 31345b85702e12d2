package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** flock and POSIX record locks within one client. Part of {@link FileSystemContract}. */
public abstract class LockBehaviours extends DataBehaviours {

  private long openNew(String name) {
    return fs.create(ROOT, name, 0644, 0, 0, FileSystem.O_RDWR).fh();
  }

  @Test
  void flock_exclusiveHeld_makesNonBlockingRequestFailWithEAGAIN() {
    long fh = openNew("f");
    long fh2 = fs.open(fs.lookup(ROOT, "f").ino(), FileSystem.O_RDONLY);
    fs.flock(fh, 1, FileSystem.LOCK_EX);
    assertErrno(Errno.EAGAIN, () -> fs.flock(fh2, 2, FileSystem.LOCK_SH | FileSystem.LOCK_NB));
    fs.flock(fh, 1, FileSystem.LOCK_UN);
    fs.flock(fh2, 2, FileSystem.LOCK_SH | FileSystem.LOCK_NB);
    fs.release(fh);
    fs.release(fh2);
  }

  @Test
  void flock_sharedLocks_coexist() {
    long fh = openNew("f");
    long fh2 = fs.open(fs.lookup(ROOT, "f").ino(), FileSystem.O_RDONLY);
    fs.flock(fh, 1, FileSystem.LOCK_SH);
    fs.flock(fh2, 2, FileSystem.LOCK_SH | FileSystem.LOCK_NB);
    assertErrno(Errno.EAGAIN, () -> fs.flock(fh2, 2, FileSystem.LOCK_EX | FileSystem.LOCK_NB));
    fs.release(fh);
    fs.flock(fh2, 2, FileSystem.LOCK_EX | FileSystem.LOCK_NB);
    fs.release(fh2);
  }

  @Test
  void flock_isReleasedWithItsHandle() {
    long fh = openNew("f");
    long ino = fs.lookup(ROOT, "f").ino();
    fs.flock(fh, 1, FileSystem.LOCK_EX);
    fs.release(fh);
    long fh2 = fs.open(ino, FileSystem.O_RDONLY);
    fs.flock(fh2, 2, FileSystem.LOCK_EX | FileSystem.LOCK_NB);
    fs.release(fh2);
  }

  @Test
  void flock_withBadOperation_failsWithEINVAL() {
    long fh = openNew("f");
    assertErrno(Errno.EINVAL, () -> fs.flock(fh, 1, 0));
    fs.release(fh);
  }

  @Test
  void posixLock_getlkReportsTheConflictingLock() {
    long fh = openNew("f");
    fs.setlk(fh, 1, new FileLock(FileSystem.F_WRLCK, 10, 20, 99), false);
    FileLock got = fs.getlk(fh, 2, new FileLock(FileSystem.F_RDLCK, 0, 15, 0));
    assertEquals(FileSystem.F_WRLCK, got.type());
    assertEquals(10, got.start());
    assertEquals(20, got.length());
    assertEquals(FileSystem.F_UNLCK, fs.getlk(fh, 1, new FileLock(FileSystem.F_WRLCK, 0, 0, 0)).type());
    assertEquals(FileSystem.F_UNLCK, fs.getlk(fh, 2, new FileLock(FileSystem.F_WRLCK, 30, 5, 0)).type());
    fs.release(fh);
  }

  @Test
  void posixLock_disjointRangesOfTwoOwners_coexist() {
    long fh = openNew("f");
    fs.setlk(fh, 1, new FileLock(FileSystem.F_WRLCK, 0, 10, 0), false);
    fs.setlk(fh, 2, new FileLock(FileSystem.F_WRLCK, 10, 10, 0), false);
    assertErrno(Errno.EAGAIN, () -> fs.setlk(fh, 2, new FileLock(FileSystem.F_RDLCK, 5, 1, 0), false));
    fs.setlk(fh, 1, new FileLock(FileSystem.F_UNLCK, 0, 0, 0), false);
    fs.setlk(fh, 2, new FileLock(FileSystem.F_WRLCK, 0, 0, 0), false);
    fs.setlk(fh, 2, new FileLock(FileSystem.F_UNLCK, 0, 0, 0), false);
    fs.release(fh);
  }

  @Test
  void posixUnlock_ofTheMiddle_splitsTheLock() {
    long fh = openNew("f");
    fs.setlk(fh, 1, new FileLock(FileSystem.F_WRLCK, 0, 100, 0), false);
    fs.setlk(fh, 1, new FileLock(FileSystem.F_UNLCK, 40, 20, 0), false);
    fs.setlk(fh, 2, new FileLock(FileSystem.F_WRLCK, 45, 10, 0), false);
    assertErrno(Errno.EAGAIN, () -> fs.setlk(fh, 2, new FileLock(FileSystem.F_WRLCK, 30, 15, 0), false));
    assertErrno(Errno.EAGAIN, () -> fs.setlk(fh, 2, new FileLock(FileSystem.F_WRLCK, 99, 1, 0), false));
    fs.setlk(fh, 1, new FileLock(FileSystem.F_UNLCK, 0, 0, 0), false);
    fs.setlk(fh, 2, new FileLock(FileSystem.F_UNLCK, 0, 0, 0), false);
    fs.release(fh);
  }

  @Test
  void posixReadLocks_ofTwoOwners_coexist() {
    long fh = openNew("f");
    fs.setlk(fh, 1, new FileLock(FileSystem.F_RDLCK, 0, 0, 0), false);
    fs.setlk(fh, 2, new FileLock(FileSystem.F_RDLCK, 0, 0, 0), false);
    assertErrno(Errno.EAGAIN, () -> fs.setlk(fh, 2, new FileLock(FileSystem.F_WRLCK, 0, 1, 0), false));
    fs.setlk(fh, 1, new FileLock(FileSystem.F_UNLCK, 0, 0, 0), false);
    fs.setlk(fh, 2, new FileLock(FileSystem.F_WRLCK, 0, 1, 0), false);
    fs.setlk(fh, 2, new FileLock(FileSystem.F_UNLCK, 0, 0, 0), false);
    fs.release(fh);
  }

  @Test
  void setlkw_waitsUntilTheConflictingLockGoes() throws Exception {
    long fh = openNew("f");
    fs.setlk(fh, 1, new FileLock(FileSystem.F_WRLCK, 0, 0, 0), false);
    CompletableFuture<Void> waiter = CompletableFuture.runAsync(
        () -> fs.setlk(fh, 2, new FileLock(FileSystem.F_WRLCK, 0, 0, 0), true));
    assertFalse(waiter.isDone());
    fs.setlk(fh, 1, new FileLock(FileSystem.F_UNLCK, 0, 0, 0), false);
    waiter.get(feedLatency().toMillis() + 5000, TimeUnit.MILLISECONDS);
    fs.setlk(fh, 2, new FileLock(FileSystem.F_UNLCK, 0, 0, 0), false);
    fs.release(fh);
  }

  @Test
  void fileLock_withNegativeRange_failsWithEINVAL() {
    assertErrno(Errno.EINVAL, () -> new FileLock(FileSystem.F_WRLCK, -1, 0, 0));
    assertErrno(Errno.EINVAL, () -> new FileLock(7, 0, 0, 0));
  }

  /** Keeps {@link Duration} imported for subclasses' overrides. */
  protected Duration lockWait() {
    return feedLatency();
  }
}
