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
 * blob directory, the mount point and the session TTL in seconds. Prints MOUNTED when serving.
 */
public final class ClientMountMain {
  private ClientMountMain() {}

  public static void main(String[] args) throws Exception {
    KvStore meta = KvStores.open(args[0]);
    DirBlobStore blobs = DirBlobStore.open(Path.of(args[1]));
    FileSystem fs = FileSystems.open(meta, blobs, clientConfig(Duration.ofSeconds(Long.parseLong(args[3]))));
    MountHandle h = FuseMount.mount(fs, Path.of(args[2]), MountOptions.defaults().toBuilder().name("client").build());
    System.out.println("MOUNTED");
    System.out.flush();
    h.awaitUnmount();
    fs.close();
    meta.close();
  }

  static FsConfig clientConfig(Duration sessionTtl) {
    return FsConfig.defaults().toBuilder().sessionTtl(sessionTtl).build();
  }
}
