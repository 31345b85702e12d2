package io.quorumfs.fuse;

import io.quorumfs.blob.DirBlobStore;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A quorumfs client in its own process (a second "host"): args are the metadata store URI, the
 * blob directory, the mount point, the session TTL in seconds and optionally the mount's name
 * ({@code client} if not given). Prints MOUNTED when serving.
 */
public final class ClientMountMain {
  private ClientMountMain() {}

  public static void main(String[] args) throws Exception {
    KvStore meta = KvStores.open(args[0]);
    DirBlobStore blobs = DirBlobStore.open(Path.of(args[1]));
    FileSystem fs = openWithRetry(meta, blobs, clientConfig(Duration.ofSeconds(Long.parseLong(args[3]))));
    MountHandle h = FuseMount.mount(fs, Path.of(args[2]), MountOptions.defaults().toBuilder().name(args.length > 4 ? args[4] : "client").build());
    System.out.println("MOUNTED");
    System.out.flush();
    h.awaitUnmount();
    fs.close();
    meta.close();
  }

  /**
   * Opens the file system, retrying while the cluster has no stable leader yet (raft:// reads
   * fail fast with "Leader is unknown" during an election).
   */
  static FileSystem openWithRetry(KvStore meta, io.quorumfs.blob.BlobStore blobs, FsConfig config) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (true) {
      try {
        return FileSystems.open(meta, blobs, config);
      } catch (RuntimeException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Thread.sleep(200); // retry interval; the deadline bounds the wait
      }
    }
  }

  static FsConfig clientConfig(Duration sessionTtl) {
    return FsConfig.defaults().toBuilder().sessionTtl(sessionTtl).build();
  }
}
