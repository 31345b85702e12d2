package io.quorumfs.fuse;

import static io.quorumfs.fuse.Payload.MIB;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.blob.BlobServer;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.BlobStores;
import io.quorumfs.blob.DirBlobStore;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Everything on the IPv6 loopback: three replica processes on [::1], the blob server on [::1], a
 * FUSE mount of raft://[::1]:…,[::1]:…,[::1]:… with http://[::1]:… blobs; what it wrote reads
 * back through a second, fresh client.
 */
class Ipv6MountTest {
  @TempDir Path tmp;

  @Test
  void aMountOverIpv6Replicas_andAnIpv6BlobServer_writesAndReadsBack() throws Exception {
    Path src = Payload.random(tmp.resolve("src"), 3 * MIB + 17, 6);
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    try (RaftCluster cluster = new RaftCluster(tmp.resolve("cluster"), "::1");
        DirBlobStore dir = DirBlobStore.open(Files.createDirectories(tmp.resolve("blobs")));
        BlobServer server = BlobServer.builder(dir).listen(new InetSocketAddress("::1", 0)).start()) {
      assertTrue(cluster.uri().startsWith("raft://[::1]:"), cluster.uri());
      String blobUri = server.uri().toString();
      assertTrue(blobUri.startsWith("http://[0:0:0:0:0:0:0:1]:") || blobUri.startsWith("http://[::1]:"),
          blobUri);
      for (int round = 0; round < 2; round++) {
        try (KvStore meta = KvStores.open(cluster.uri());
            BlobStore blobs = BlobStores.open(blobUri)) {
          FileSystem fs = ClientMountMain.openWithRetry(meta, blobs, FsConfig.defaults());
          try (MountHandle h = FuseMount.mount(fs, mnt, MountOptions.defaults())) {
            if (round == 0) {
              Mounts.sh("dd if=" + src + " of=" + mnt.resolve("big") + " bs=1M conv=fsync status=none").ok();
              Mounts.sh("mkdir " + mnt.resolve("d") + " && echo v6 > " + mnt.resolve("d/small")).ok();
            }
            Payload.assertSame(src, mnt.resolve("big"));
            assertEquals("v6\n", Files.readString(mnt.resolve("d/small")));
          } finally {
            Mounts.forceUnmount(mnt);
            fs.close();
          }
        }
      }
      assertTrue(dir.list(null, 100).blobs().size() >= 4, "the chunks went through the [::1] blob server");
    }
    assertFalse(Mounts.isMounted(mnt));
  }
}
