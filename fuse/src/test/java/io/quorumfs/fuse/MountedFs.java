package io.quorumfs.fuse;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.fs.Fsck;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.MemKvStore;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A real mount for tests: fs-core over a {@code mem:} store (file data as blobs in the same store)
 * mounted on {@code dir/<name>}. {@link #close()} unmounts, checks nothing stays mounted, closes
 * the file system and, if this fixture created the store, runs fsck on it (must be clean) and
 * closes it.
 */
final class MountedFs implements AutoCloseable {
  private static final FsConfig CONFIG = FsConfig.defaults();
  final KvStore store;
  final FileSystem fs;
  final Path mnt;
  final MountHandle handle;
  private final boolean ownsStore;

  private MountedFs(KvStore store, boolean ownsStore, FileSystem fs, Path mnt, MountHandle handle) {
    this.store = store;
    this.ownsStore = ownsStore;
    this.fs = fs;
    this.mnt = mnt;
    this.handle = handle;
  }

  static MountedFs mount(Path dir, String name) throws Exception {
    return mount(dir, name, new MemKvStore(), true, MountOptions.defaults());
  }

  /** Mounts another client of {@code store} (a second "host"). */
  static MountedFs mountShared(Path dir, String name, KvStore store) throws Exception {
    return mount(dir, name, store, false, MountOptions.defaults());
  }

  static MountedFs mount(Path dir, String name, KvStore store, boolean ownsStore, MountOptions options)
      throws Exception {
    Path mnt = Files.createDirectories(dir.resolve(name));
    FileSystem fs = FileSystems.open(store, CONFIG);
    try {
      MountHandle h = FuseMount.mount(fs, mnt, options.toBuilder().name(name).build());
      return new MountedFs(store, ownsStore, fs, mnt, h);
    } catch (RuntimeException e) {
      fs.close();
      Mounts.forceUnmount(mnt);
      throw e;
    }
  }

  Path path(String relative) {
    return mnt.resolve(relative);
  }

  @Override
  public void close() throws Exception {
    try {
      handle.close();
    } finally {
      Mounts.forceUnmount(mnt);
      assertFalse(Mounts.isMounted(mnt), "still mounted: " + mnt);
      fs.close();
      if (ownsStore) {
        try {
          Fsck.Report report = Fsck.run(store, FileSystems.blobsIn(store, CONFIG), CONFIG, false);
          assertTrue(report.clean(), "fsck after unmount: " + report);
        } finally {
          store.close();
        }
      }
    }
  }
}
