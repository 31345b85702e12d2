package io.quorumfs.bench.fuse;

import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.DirBlobStore;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.fuse.FuseMount;
import io.quorumfs.fuse.MountHandle;
import io.quorumfs.fuse.MountOptions;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.MemKvStore;
import java.nio.file.Files;
import java.nio.file.Path;

/** fs-core opened by the benchmark itself and mounted in a temporary directory. */
final class SelfMount implements FsBench.Target {
  private final KvStore meta;
  private final BlobStore blobs;
  private final Path mnt;
  private final Path blobDir;
  private FileSystem fs;
  private MountHandle handle;

  private SelfMount(KvStore meta, BlobStore blobs, Path mnt, Path blobDir) {
    this.meta = meta;
    this.blobs = blobs;
    this.mnt = mnt;
    this.blobDir = blobDir;
  }

  static SelfMount start(FsBench.Settings s) throws Exception {
    Path blobDir = s.blobs != null ? s.blobs : Files.createTempDirectory(s.nativeDir, "blobs-");
    Path mnt = Files.createTempDirectory("fsbench-mnt-");
    // "mem:" alone is not a parseable java.net.URI, so KvStores cannot open it: take it directly.
    KvStore meta = s.meta.equals("mem:") ? new MemKvStore() : KvStores.open(s.meta);
    SelfMount m = new SelfMount(meta, DirBlobStore.open(blobDir), mnt, s.blobs == null ? blobDir : null);
    System.out.println("self-mounted fs-core: meta " + s.meta + ", blobs " + blobDir);
    m.mount();
    return m;
  }

  private void mount() {
    fs = openWithRetry();
    handle = FuseMount.mount(fs, mnt, MountOptions.defaults().toBuilder().name("fsbench").build());
  }

  /** raft:// reads fail fast ("Leader is unknown") while a fresh cluster settles: retry for a while. */
  private FileSystem openWithRetry() {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (true) {
      try {
        return FileSystems.open(meta, blobs, FsConfig.defaults().toBuilder().metrics(FsBench.METRICS).build());
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        try {
          Thread.sleep(500);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private void unmount() {
    try {
      handle.close();
    } finally {
      fs.close();
    }
  }

  @Override
  public String name() {
    return "quorumfs";
  }

  @Override
  public Path dir() {
    return mnt;
  }

  /** A fresh client (empty caches) on the same stores, and an empty page cache. */
  @Override
  public void makeCold() {
    unmount();
    FsBench.dropKernelCaches();
    mount();
  }

  @Override
  public void close() throws Exception {
    try {
      unmount();
    } finally {
      meta.close();
      blobs.close();
      Files.deleteIfExists(mnt);
      if (blobDir != null) {
        FsBench.deleteTree(blobDir);
      }
    }
  }
}
