package io.quorumfs.fs;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.rocks.RocksKvStore;
import io.quorumfs.kv.rocks.RocksOptions;
import java.nio.file.Path;
import java.util.Random;

/**
 * The client {@link CrashTest} kills: opens the file system in a rocks store, takes a flock and a
 * POSIX lock, keeps an unlinked file open, and writes and fsyncs forever, printing READY once.
 */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    KvStore store = RocksKvStore.open(Path.of(args[0]), RocksOptions.defaults());
    FsConfig cfg = CrashTest.config(new SkewClock());
    FileSystem fs = FileSystems.open(store, cfg);
    Opened locked = fs.create(FileSystem.ROOT, "locked", 0644, 0, 0, FileSystem.O_RDWR);
    fs.flock(locked.fh(), 1, FileSystem.LOCK_EX);
    fs.setlk(locked.fh(), 2, new FileLock(FileSystem.F_WRLCK, 0, 100, 1), false);
    Opened gone = fs.create(FileSystem.ROOT, "gone", 0644, 0, 0, FileSystem.O_RDWR);
    fs.write(gone.fh(), 0, new byte[1000], 0, 1000);
    fs.fsync(gone.fh(), false);
    fs.unlink(FileSystem.ROOT, "gone");
    Opened data = fs.create(FileSystem.ROOT, "data", 0644, 0, 0, FileSystem.O_RDWR);
    byte[] buf = new byte[CrashTest.CHUNK + 777];
    Random r = new Random(1);
    long off = 0;
    for (int i = 0; ; i++) {
      r.nextBytes(buf);
      fs.write(data.fh(), off, buf, 0, buf.length);
      off += buf.length;
      if (i % 3 == 2) {
        fs.fsync(data.fh(), false);
        if (i > 5) {
          System.out.println("FSYNCED " + i);
          System.out.flush();
        }
      }
      if (i == 5) {
        System.out.println("READY " + fs.sessionId());
        System.out.flush();
      }
      if (off > 64L << 20) {
        off = 0;
      }
    }
  }
}
