package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Two clients on one store: coherence, conflicts, sessions. Part of {@link FileSystemContract}. */
public abstract class ClientsBehaviours extends LockBehaviours {

  private boolean exists(FileSystem f, long parent, String name) {
    try {
      f.lookup(parent, name);
      return true;
    } catch (FsException e) {
      if (e.errno() == Errno.ENOENT) {
        return false;
      }
      throw e;
    }
  }

  @Test
  void twoClients_createOnA_isVisibleOnBWithinFeedLatency() {
    FileSystem b = client();
    assertErrno(Errno.ENOENT, () -> b.lookup(ROOT, "f"));
    Attr f = file(ROOT, "f");
    eventually(feedLatency(), "B sees f", () -> exists(b, ROOT, "f"));
    assertEquals(f.ino(), b.lookup(ROOT, "f").ino());
    assertEquals(List.of("f"), names(b, ROOT));
  }

  // A knows the keys of inodes it created (MetaCache complete ranges): another client's changes
  // under them must still reach it through the feed, and conflict with its own.

  @Test
  void twoClients_createOnB_inADirectoryACreated_isVisibleOnA() {
    FileSystem b = client();
    Attr d = dir(ROOT, "d");
    assertErrno(Errno.ENOENT, () -> fs.lookup(d.ino(), "x"));
    eventually(feedLatency(), "B sees d", () -> exists(b, ROOT, "d"));
    Attr x = b.mknod(d.ino(), "x", Mode.S_IFREG | 0644, 0, 0, 0);
    eventually(feedLatency(), "A sees x", () -> exists(fs, d.ino(), "x"));
    assertEquals(x.ino(), fs.lookup(d.ino(), "x").ino());
    b.unlink(d.ino(), "x");
    eventually(feedLatency(), "A sees x gone", () -> !exists(fs, d.ino(), "x"));
    assertErrno(Errno.ENOTEMPTY, () -> {
      b.mknod(d.ino(), "y", Mode.S_IFREG | 0644, 0, 0, 0);
      fs.rmdir(ROOT, "d"); // A's cached entry count may lag: the compare decides
    });
  }

  @Test
  void twoClients_createOnA_ofANameBJustCreated_inADirectoryACreated_isEEXIST() {
    FileSystem b = client();
    Attr d = dir(ROOT, "d");
    eventually(feedLatency(), "B sees d", () -> exists(b, ROOT, "d"));
    Attr x = b.mknod(d.ino(), "x", Mode.S_IFREG | 0644, 0, 0, 0);
    // Whether or not A's feed has delivered x yet, its create must not succeed.
    assertErrno(Errno.EEXIST, () -> fs.create(d.ino(), "x", 0644, 0, 0,
        FileSystem.O_RDWR | FileSystem.O_EXCL));
    assertEquals(x.ino(), fs.lookup(d.ino(), "x").ino());
    fs.rename(ROOT, "d", ROOT, "e", 0);
    assertEquals(x.ino(), b.lookup(b.lookup(ROOT, "e").ino(), "x").ino());
  }

  @Test
  void twoClients_fileACreated_writtenAndClosedOnB_readsWhole_andXattrsShow_onA() {
    FileSystem b = client();
    Opened o = fs.create(ROOT, "f", 0644, 0, 0, FileSystem.O_RDWR);
    fs.release(o.fh());
    assertErrno(Errno.ENODATA, () -> fs.getxattr(o.attr().ino(), "user.k"));
    eventually(feedLatency(), "B sees f", () -> exists(b, ROOT, "f"));
    byte[] data = random(CHUNK * 2 + 10, 41);
    long fh = b.open(o.attr().ino(), FileSystem.O_WRONLY);
    writeAll(b, fh, 0, data);
    b.release(fh);
    b.setxattr(o.attr().ino(), "user.k", new byte[] {7}, 0);
    assertArrayEquals(data, readAll(fs, o.attr().ino()), "close-to-open on chunks A never read");
    eventually(feedLatency(), "A sees B's xattr",
        () -> {
          try {
            return fs.getxattr(o.attr().ino(), "user.k")[0] == 7;
          } catch (FsException e) {
            return false;
          }
        });
  }

  @Test
  void unlockOfAFileNeverLockedHere_readsNothing_andAnUnlockAfterALockStillReleasesIt() {
    FileSystem b = client();
    Attr f = b.mknod(ROOT, "f", Mode.S_IFREG | 0644, 0, 0, 0); // B's inode: A knows none of its keys
    com.codahale.metrics.MetricRegistry m = new com.codahale.metrics.MetricRegistry();
    FileSystem a = client(config.toBuilder().metrics(m).build());
    long fa = a.open(f.ino(), FileSystem.O_RDWR);
    long fb = b.open(f.ino(), FileSystem.O_RDWR);
    long reads = m.timer("quorumfs.fs.store.get").getCount()
        + m.timer("quorumfs.fs.store.getAll").getCount();
    a.setlk(fa, 1, FileLock.unlocked(), false); // what libfuse 2 sends on every close
    a.flock(fa, 1, FileSystem.LOCK_UN);
    assertEquals(reads, m.timer("quorumfs.fs.store.get").getCount()
        + m.timer("quorumfs.fs.store.getAll").getCount());
    a.setlk(fa, 1, new FileLock(FileSystem.F_WRLCK, 0, 10, 0), false);
    assertErrno(Errno.EAGAIN,
        () -> b.setlk(fb, 2, new FileLock(FileSystem.F_WRLCK, 0, 1, 0), false));
    a.setlk(fa, 1, FileLock.unlocked(), false);
    b.setlk(fb, 2, new FileLock(FileSystem.F_WRLCK, 0, 1, 0), false);
    a.release(fa);
    b.release(fb);
  }

  @Test
  void coldClient_lookingUpADirectoryNameByName_loadsEntriesAhead_andStaysCoherent() {
    Attr d = dir(ROOT, "d");
    List<Long> inos = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      inos.add(file(d.ino(), String.format("f%03d", i)).ino());
    }
    com.codahale.metrics.MetricRegistry m = new com.codahale.metrics.MetricRegistry();
    FileSystem b = client(config.toBuilder().metrics(m).build());
    long dino = b.lookup(ROOT, "d").ino();
    for (int i = 0; i < 100; i++) {
      assertEquals(inos.get(i), b.lookup(dino, String.format("f%03d", i)).ino());
    }
    long nameReads = m.timer("quorumfs.fs.store.get").getCount()
        + m.timer("quorumfs.fs.store.scan").getCount();
    assertTrue(nameReads < 20, "dentry reads and scans for 100 names: " + nameReads);
    assertErrno(Errno.ENOENT, () -> b.lookup(dino, "f100"));
    fs.unlink(d.ino(), "f050");
    file(d.ino(), "f100");
    eventually(feedLatency(), "B sees the unlink and the create",
        () -> exists(b, dino, "f100") && !exists(b, dino, "f050"));
  }

  @Test
  void twoClients_renameAndUnlinkOnA_areVisibleOnB() {
    FileSystem b = client();
    file(ROOT, "x");
    file(ROOT, "y");
    eventually(feedLatency(), "B sees x", () -> exists(b, ROOT, "x"));
    b.getattr(b.lookup(ROOT, "y").ino());
    fs.rename(ROOT, "x", ROOT, "z", 0);
    fs.unlink(ROOT, "y");
    eventually(feedLatency(), "B sees the rename and unlink",
        () -> !exists(b, ROOT, "x") && exists(b, ROOT, "z") && !exists(b, ROOT, "y"));
  }

  @Test
  void twoClients_chmodOnA_isVisibleOnBWithinFeedLatency() {
    FileSystem b = client();
    Attr f = file(ROOT, "f");
    assertEquals(0644, b.getattr(f.ino()).perm());
    fs.setattr(f.ino(), SetAttr.mode(0600));
    eventually(feedLatency(), "B sees mode 0600", () -> b.getattr(f.ino()).perm() == 0600);
  }

  @Test
  void twoClients_closeToOpen_seesTheWholeFileAfterClose() {
    FileSystem b = client();
    Attr a = writeFile(fs, ROOT, "f", "v1".getBytes());
    assertArrayEquals("v1".getBytes(), readAll(b, a.ino()));
    for (int round = 0; round < 5; round++) {
      byte[] data = random(CHUNK + 100 * round, 20 + round);
      long fh = fs.open(a.ino(), FileSystem.O_WRONLY | FileSystem.O_TRUNC);
      writeAll(fs, fh, 0, data);
      fs.release(fh);
      assertArrayEquals(data, readAll(b, a.ino()), "round " + round);
    }
  }

  @Test
  void twoClients_writesToDifferentChunksOfOneFile_bothSurvive() {
    FileSystem b = client();
    Attr a = writeFile(fs, ROOT, "f", new byte[CHUNK * 2]);
    long fa = fs.open(a.ino(), FileSystem.O_WRONLY);
    long fb = b.open(a.ino(), FileSystem.O_WRONLY);
    writeAll(fs, fa, 10, new byte[] {1});
    writeAll(b, fb, CHUNK + 10, new byte[] {2});
    b.release(fb);
    fs.release(fa);
    byte[] got = readAll(client(), a.ino());
    assertEquals(1, got[10]);
    assertEquals(2, got[CHUNK + 10]);
  }

  @Test
  void twoClients_conflictingRenamesOfOneEntry_leaveAConsistentTree() throws Exception {
    FileSystem b = client();
    Attr d1 = dir(ROOT, "d1");
    Attr d2 = dir(ROOT, "d2");
    for (int i = 0; i < 20; i++) {
      file(ROOT, "e" + i);
    }
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<Integer>> fut = new ArrayList<>();
      for (FileSystem c : List.of(fs, b)) {
        long target = c == fs ? d1.ino() : d2.ino();
        fut.add(pool.submit(() -> {
          int won = 0;
          for (int i = 0; i < 20; i++) {
            try {
              c.rename(ROOT, "e" + i, target, "e" + i, 0);
              won++;
            } catch (FsException e) {
              assertEquals(Errno.ENOENT, e.errno(), e.getMessage());
            }
          }
          return won;
        }));
      }
      int total = fut.get(0).get(60, TimeUnit.SECONDS) + fut.get(1).get(60, TimeUnit.SECONDS);
      assertEquals(20, total, "each entry moved exactly once");
    } finally {
      pool.shutdownNow();
    }
    assertEquals(20, names(fs, d1.ino()).size() + names(fs, d2.ino()).size());
    assertTrue(names(fs, ROOT).containsAll(List.of("d1", "d2")));
    assertEquals(2, names(fs, ROOT).size());
  }

  @Test
  void twoClients_crossingDirectoryRenames_neverMakeACycle() throws Exception {
    FileSystem b = client();
    for (int round = 0; round < 10; round++) {
      Attr x = dir(ROOT, "x" + round);
      Attr y = dir(ROOT, "y" + round);
      int r = round;
      CompletableFuture<Void> f1 = CompletableFuture.runAsync(() -> quietly(() ->
          fs.rename(ROOT, "x" + r, y.ino(), "x", 0)));
      CompletableFuture<Void> f2 = CompletableFuture.runAsync(() -> quietly(() ->
          b.rename(ROOT, "y" + r, x.ino(), "y", 0)));
      f1.get(60, TimeUnit.SECONDS);
      f2.get(60, TimeUnit.SECONDS);
      assertTrue(exists(fs, ROOT, "x" + r) || exists(fs, ROOT, "y" + r),
          "one of the two stays reachable from the root in round " + r);
    }
  }

  private static void quietly(Runnable r) {
    try {
      r.run();
    } catch (FsException e) {
      assertTrue(e.errno() == Errno.EINVAL || e.errno() == Errno.ENOENT, e.getMessage());
    }
  }

  @Test
  void twoClients_eightThreadsEachCreatingInOneDirectory_loseNoEntries() throws Exception {
    FileSystem b = client();
    Attr d = dir(ROOT, "d");
    int perThread = 25;
    ExecutorService pool = Executors.newFixedThreadPool(16);
    try {
      List<Future<?>> fut = new ArrayList<>();
      for (int t = 0; t < 16; t++) {
        FileSystem c = t % 2 == 0 ? fs : b;
        int tt = t;
        fut.add(pool.submit(() -> {
          for (int i = 0; i < perThread; i++) {
            c.mknod(d.ino(), "t" + tt + "-" + i, 0644, 0, 0, 0);
          }
        }));
      }
      for (Future<?> f : fut) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    Set<String> got = new HashSet<>(names(fs, d.ino()));
    assertEquals(16 * perThread, got.size());
    eventually(feedLatency(), "B counts every entry",
        () -> new HashSet<>(names(b, d.ino())).size() == 16 * perThread);
  }

  @Test
  void twoClients_flockHeldOnA_blocksBUntilReleased() throws Exception {
    FileSystem b = client();
    Opened o = fs.create(ROOT, "f", 0644, 0, 0, FileSystem.O_RDWR);
    fs.flock(o.fh(), 1, FileSystem.LOCK_EX);
    long fb = b.open(o.attr().ino(), FileSystem.O_RDONLY);
    assertErrno(Errno.EAGAIN, () -> b.flock(fb, 1, FileSystem.LOCK_EX | FileSystem.LOCK_NB));
    CompletableFuture<Void> waiter = CompletableFuture.runAsync(() -> b.flock(fb, 1, FileSystem.LOCK_EX));
    fs.release(o.fh());
    waiter.get(feedLatency().toMillis() + 5000, TimeUnit.MILLISECONDS);
    b.release(fb);
  }

  @Test
  void twoClients_expiredSession_releasesItsLocksAndHolds() {
    FileSystem b = client();
    Attr a = writeFile(fs, ROOT, "f", "data".getBytes());
    long fa = fs.open(a.ino(), FileSystem.O_RDWR);
    fs.setlk(fa, 1, new FileLock(FileSystem.F_WRLCK, 0, 0, 0), false);
    fs.unlink(ROOT, "f");
    long fb = b.open(a.ino(), FileSystem.O_RDONLY);
    assertErrno(Errno.EAGAIN, () -> b.setlk(fb, 2, new FileLock(FileSystem.F_WRLCK, 0, 0, 0), false));
    ((KvFileSystem) b).maintain(); // B sees A's session record
    // A stops heartbeating (it never runs maintenance here); time passes beyond its TTL.
    clock.advance(config.sessionTtl().plusSeconds(1));
    ((KvFileSystem) b).maintain();
    b.setlk(fb, 2, new FileLock(FileSystem.F_WRLCK, 0, 0, 0), false);
    b.setlk(fb, 2, new FileLock(FileSystem.F_UNLCK, 0, 0, 0), false);
    assertArrayEquals("data".getBytes(), read(b, fb, 0, 4), "B's hold keeps the data");
    b.release(fb);
    ((KvFileSystem) b).maintain();
    assertErrno(Errno.ENOENT, () -> b.getattr(a.ino()));
    fs.release(fa);
  }

  @Test
  void clientWhoseSessionWasExpired_losesItsLocks_andTheHandlesThatTookThemFailWithEIO() {
    FileSystem b = client();
    Attr a = writeFile(fs, ROOT, "f", "data".getBytes());
    long fa = fs.open(a.ino(), FileSystem.O_RDWR);
    long fa2 = fs.open(a.ino(), FileSystem.O_RDONLY); // takes no lock
    fs.flock(fa, 1, FileSystem.LOCK_EX);
    fs.setlk(fa, 7, new FileLock(FileSystem.F_WRLCK, 0, 0, 0), false);
    long fb = b.open(a.ino(), FileSystem.O_RDWR);
    assertErrno(Errno.EAGAIN, () -> b.flock(fb, 2, FileSystem.LOCK_EX | FileSystem.LOCK_NB));
    ((KvFileSystem) b).maintain(); // B sees A's session record
    clock.advance(config.sessionTtl().plusSeconds(1)); // A missed its heartbeats
    ((KvFileSystem) b).maintain(); // B expires A
    b.flock(fb, 2, FileSystem.LOCK_EX | FileSystem.LOCK_NB);
    b.setlk(fb, 8, new FileLock(FileSystem.F_WRLCK, 0, 0, 0), false);
    ((KvFileSystem) fs).sessions().heartbeat(); // A finds its session expired, registers again

    // A does not go on as if it held the locks B now holds: the handle that took them fails.
    assertErrno(Errno.EIO, () -> fs.flock(fa, 1, FileSystem.LOCK_UN));
    assertErrno(Errno.EIO, () -> fs.setlk(fa, 7, new FileLock(FileSystem.F_UNLCK, 0, 0, 0), false));
    assertErrno(Errno.EIO, () -> fs.getlk(fa, 7, new FileLock(FileSystem.F_WRLCK, 0, 0, 0)));
    assertErrno(Errno.EIO, () -> fs.read(fa, 0, new byte[4], 0, 4));
    assertErrno(Errno.EIO, () -> fs.write(fa, 0, "x".getBytes(), 0, 1));
    assertErrno(Errno.EIO, () -> fs.fsync(fa, false));
    // A handle that took no lock still works, and sees B's locks.
    assertArrayEquals("data".getBytes(), read(fs, fa2, 0, 4));
    assertErrno(Errno.EAGAIN, () -> fs.flock(fa2, 1, FileSystem.LOCK_EX | FileSystem.LOCK_NB));
    assertErrno(Errno.EAGAIN, () -> fs.setlk(fa2, 7, new FileLock(FileSystem.F_WRLCK, 0, 0, 0), false));
    assertEquals(FileSystem.F_WRLCK, fs.getlk(fa2, 7, new FileLock(FileSystem.F_RDLCK, 0, 0, 0)).type());
    fs.release(fa); // closing it succeeds
    LockTable t = LockTable.decode(store.get(new Keys(config.keyPrefix()).locks(a.ino())).value());
    assertFalse(t.hasSession(fs.sessionId()), "A holds no lock");
    assertEquals(2, t.locks().size(), "B's flock and POSIX lock");

    b.setlk(fb, 8, new FileLock(FileSystem.F_UNLCK, 0, 0, 0), false);
    b.release(fb);
    fs.flock(fa2, 1, FileSystem.LOCK_EX | FileSystem.LOCK_NB); // A may lock again once B let go
    fs.release(fa2);
  }

  @Test
  void twoClients_fileUnlinkedOnAWhileOpenOnB_staysReadableOnB() {
    FileSystem b = client(config.toBuilder().reclaimOnClose(false).build());
    byte[] data = random(CHUNK * 2, 30);
    Attr a = writeFile(fs, ROOT, "f", data);
    long fb = b.open(a.ino(), FileSystem.O_RDONLY);
    fs.unlink(ROOT, "f");
    eventually(feedLatency(), "B registers its hold", () -> holdCount(a.ino()) == 1);
    clock.advance(Duration.ofSeconds(10));
    maintain(b, fs);
    assertArrayEquals(data, read(b, fb, 0, data.length));
    closeAndAwaitReclaim(b, fb, a.ino());
  }

  // A file another client unlinks while this one has it open must stay readable through the open
  // handle, however late this client's feed shows the unlink (issue #17, section 3).

  private static void maintain(FileSystem... clients) {
    for (FileSystem c : clients) {
      ((KvFileSystem) c).maintain();
    }
  }

  private long holdCount(long ino) {
    return io.quorumfs.kv.Bytes.toLong(java.util.Objects.requireNonNullElse(
        store.get(new Keys(config.keyPrefix()).holds(ino)).value(), new byte[8]));
  }

  /** B closes; once both clients have been through maintenance the inode is reclaimed. */
  private void closeAndAwaitReclaim(FileSystem b, long fb, long ino) {
    b.release(fb);
    eventually(feedLatency(), "inode " + ino + " reclaimed", () -> {
      maintain(b, fs);
      try {
        fs.getattr(ino);
        return false;
      } catch (FsException e) {
        return e.errno() == Errno.ENOENT;
      }
    });
  }

  @Test
  void fileUnlinkedOnA_whileOpenOnBWhoseFeedLags_isNotReclaimed_andStaysReadableOnB() {
    FeedControlStore bStore = new FeedControlStore(store);
    FileSystem b = client(bStore, config);
    byte[] data = random(CHUNK * 2, 31);
    Attr a = writeFile(fs, ROOT, "f", data);
    long fb = b.open(a.ino(), FileSystem.O_RDONLY);
    bStore.pause(); // B's feed will show the unlink only after A's maintenance
    fs.unlink(ROOT, "f");
    maintain(b);
    clock.advance(Duration.ofSeconds(20)); // past any grace period, within the session TTL
    maintain(fs);
    bStore.resume();
    assertArrayEquals(data, read(b, fb, 0, data.length));
    closeAndAwaitReclaim(b, fb, a.ino());
  }

  @Test
  void fileUnlinkedOnA_whileOpenOnB_acrossARESYNCOnB_isHeldByB() {
    FeedControlStore bStore = new FeedControlStore(store);
    FileSystem b = client(bStore, config);
    byte[] data = random(CHUNK + 7, 32);
    Attr a = writeFile(fs, ROOT, "f", data);
    long fb = b.open(a.ino(), FileSystem.O_RDONLY);
    bStore.pause();
    fs.unlink(ROOT, "f");
    bStore.resync(); // the unlink's event never reaches B
    maintain(b);
    clock.advance(Duration.ofSeconds(20));
    maintain(fs);
    assertArrayEquals(data, read(b, fb, 0, data.length));
    eventually(feedLatency(), "B holds the inode after the RESYNC", () -> holdCount(a.ino()) == 1);
    closeAndAwaitReclaim(b, fb, a.ino());
  }

  @Test
  void fileUnlinkedOnA_whileOpenOnB_whoseHoldCommitFailsOnce_isHeldOnRetry() {
    FeedControlStore bStore = new FeedControlStore(store);
    FileSystem b = client(bStore, config);
    byte[] data = random(100, 33);
    Attr a = writeFile(fs, ROOT, "f", data);
    long fb = b.open(a.ino(), FileSystem.O_RDONLY);
    bStore.failNextCommits(1); // B's next commit is its hold
    fs.unlink(ROOT, "f");
    eventually(feedLatency(), "B tried to hold", () -> bStore.failedCommits() == 1);
    maintain(b);
    clock.advance(Duration.ofSeconds(20));
    maintain(fs);
    assertArrayEquals(data, read(b, fb, 0, data.length));
    eventually(feedLatency(), "B's hold committed on a retry", () -> holdCount(a.ino()) == 1);
    closeAndAwaitReclaim(b, fb, a.ino());
  }

  @Test
  void clientWhoseSessionWasExpired_holdsItsUnlinkedOpenFilesAgain_whenItHeartbeats() {
    FileSystem b = client();
    byte[] data = random(100, 34);
    Attr a = writeFile(fs, ROOT, "f", data);
    long fb = b.open(a.ino(), FileSystem.O_RDONLY);
    fs.unlink(ROOT, "f");
    eventually(feedLatency(), "B holds the inode", () -> holdCount(a.ino()) == 1);
    ((KvFileSystem) fs).sessions().expireOthers(); // A sees B's session record
    clock.advance(config.sessionTtl().plusSeconds(1)); // B missed its heartbeats
    ((KvFileSystem) fs).sessions().heartbeat();
    ((KvFileSystem) fs).sessions().expireOthers(); // drops B's hold
    assertEquals(0, holdCount(a.ino()));
    maintain(b); // B is back
    maintain(fs);
    assertArrayEquals(data, read(b, fb, 0, data.length));
    eventually(feedLatency(), "B holds the inode again", () -> holdCount(a.ino()) == 1);
    closeAndAwaitReclaim(b, fb, a.ino());
  }

  @Test
  void lastCloseBetweenTheBodyAndTheCommitOfItsOwnUnlink_leavesNoHold_andTheInodeIsReclaimed()
      throws Exception {
    FeedControlStore bStore = new FeedControlStore(store);
    FileSystem b = client(bStore, config);
    Attr a = writeFile(b, ROOT, "f", random(100, 37));
    long fb = b.open(a.ino(), FileSystem.O_RDONLY);
    bStore.holdNextCommit(); // B's unlink: its body saw the file open and added B's hold
    Future<?> unlink = CompletableFuture.runAsync(() -> b.unlink(ROOT, "f"));
    bStore.awaitHeldCommit();
    b.release(fb); // the last close finds no hold to drop yet
    bStore.releaseHeldCommit();
    unlink.get(60, TimeUnit.SECONDS);
    Keys k = new Keys(config.keyPrefix());
    assertFalse(store.get(k.sessionHold(b.sessionId(), a.ino())).exists(), "B's hold is dropped");
    assertEquals(0, holdCount(a.ino()));
    eventually(feedLatency(), "inode reclaimed", () -> {
      maintain(b, fs);
      return !store.get(k.attr(a.ino())).exists();
    });
  }

  @Test
  @SuppressWarnings("unchecked")
  void clientWhoseHoldPositionStopsAdvancing_isNamedAsHoldingBackTheReclaim_andForHowLong() {
    FeedControlStore bStore = new FeedControlStore(store);
    FileSystem b = client(bStore, config);
    Attr a = writeFile(fs, ROOT, "f", random(100, 38));
    bStore.pause(); // B keeps heartbeating, but its feed, so its hold position, is stuck
    fs.unlink(ROOT, "f");
    fs.barrier();
    var gauges = config.metrics().getGauges(); // the gauges of A, the first client
    var by = (com.codahale.metrics.Gauge<Long>) gauges.get("quorumfs.fs.reclaim.blocked.session");
    var since = (com.codahale.metrics.Gauge<Long>) gauges.get("quorumfs.fs.reclaim.blocked.seconds");
    Keys k = new Keys(config.keyPrefix());
    ((KvFileSystem) b).sessions().heartbeat(); // (its own reclaim would wait for its feed)
    maintain(fs);
    assertTrue(store.get(k.attr(a.ino())).exists(), "held back by B");
    assertEquals(b.sessionId(), by.getValue());
    clock.advance(Duration.ofSeconds(20)); // within the TTL: B heartbeats between A's rounds
    ((KvFileSystem) b).sessions().heartbeat();
    maintain(fs);
    clock.advance(Duration.ofSeconds(20));
    ((KvFileSystem) b).sessions().heartbeat();
    maintain(fs);
    assertTrue(store.get(k.attr(a.ino())).exists(), "still held back by B");
    assertEquals(b.sessionId(), by.getValue());
    assertTrue(since.getValue() >= 40, "held back for " + since.getValue() + " s");
    bStore.resume();
    eventually(feedLatency(), "reclaimed once B's feed moves", () -> {
      maintain(b, fs);
      return !store.get(k.attr(a.ino())).exists();
    });
    assertEquals(0L, by.getValue());
    assertEquals(0L, since.getValue());
  }

  @Test
  @SuppressWarnings("unchecked")
  void sessionRecordWithoutAHoldPosition_ofAnOlderClient_holdsBackEveryReclaim_untilItIsGone() {
    // A client from before hold positions records deadline, start and host only. It may have any
    // unlinked file open without a hold yet, so no reclaim may pass it.
    Keys k = new Keys(config.keyPrefix());
    long older = 1L << 40;
    byte[] host = "older-client/1".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    byte[] record = java.nio.ByteBuffer.allocate(16 + host.length)
        .putLong((clock.millis() + 3_600_000L) * 1_000_000L).putLong(clock.millis() * 1_000_000L).put(host).array();
    store.commit(io.quorumfs.kv.Txn.builder().put(k.session(older), record).build());
    var by = (com.codahale.metrics.Gauge<Long>) config.metrics().getGauges()
        .get("quorumfs.fs.reclaim.blocked.session");
    Attr a = writeFile(fs, ROOT, "f", random(100, 39));
    fs.unlink(ROOT, "f");
    fs.barrier();
    maintain(fs);
    assertTrue(store.get(k.attr(a.ino())).exists(), "held back by the older client's session");
    assertEquals(older, by.getValue());
    store.commit(io.quorumfs.kv.Txn.builder().delete(k.session(older)).build()); // it stopped
    eventually(feedLatency(), "reclaimed once the older client is gone", () -> {
      maintain(fs);
      return !store.get(k.attr(a.ino())).exists();
    });
  }

  @Test
  void clientWhoseClockIsAnHourBehind_isNotExpired_whileItHeartbeats() {
    SkewClock behind = new SkewClock();
    behind.advance(Duration.ofHours(-1)); // every deadline B records is long past on A's clock
    FileSystem b = client(config.toBuilder().clock(behind).build());
    byte[] data = random(100, 35);
    Attr a = writeFile(fs, ROOT, "f", data);
    long fb = b.open(a.ino(), FileSystem.O_RDONLY);
    fs.unlink(ROOT, "f");
    eventually(feedLatency(), "B holds the inode", () -> holdCount(a.ino()) == 1);
    maintain(fs, b, fs);
    assertTrue(store.get(new Keys(config.keyPrefix()).session(b.sessionId())).exists(),
        "B's session is live");
    assertEquals(1, holdCount(a.ino()));
    assertArrayEquals(data, read(b, fb, 0, data.length));
    closeAndAwaitReclaim(b, fb, a.ino());
  }

  @Test
  void openByInodeNumber_ofAnUnlinkedFileWhoseReclaimBegan_failsWithENOENT_ratherThanReadingZeros() {
    FeedControlStore cStore = new FeedControlStore(store);
    FileSystem c = client(cStore, config);
    Attr a = writeFile(fs, ROOT, "f", random(CHUNK * 2, 36));
    fs.unlink(ROOT, "f");
    fs.barrier(); // A's feed has shown its unlink, so its next heartbeat records a position past it
    maintain(fs);
    // C's reclaim stops after its first txn (the chunk map): heartbeat passes, chunk txn passes,
    // the last txn fails.
    cStore.failNextCommits(2, 1);
    assertErrno(Errno.EIO, () -> maintain(c));
    assertErrno(Errno.ENOENT, () -> fs.open(a.ino(), FileSystem.O_RDONLY));
    maintain(c); // the reclaim finishes (here, or already in A's failed open: its release)
    Keys k = new Keys(config.keyPrefix());
    assertFalse(store.get(k.attr(a.ino())).exists(), "reclaimed"); // the store: caches may lag
    assertFalse(store.get(k.trash(a.ino())).exists());
  }
}
