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

  /**
   * Starts this class in a child JVM (-Xmx384m) and returns once it prints MOUNTED; its output is
   * drained on a daemon thread. The caller ends it (by its {@link Process}) and unmounts {@code mnt}.
   */
  static Process start(String metaUri, Path blobDir, Path mnt, Duration sessionTtl) throws java.io.IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(java, "-Xmx384m", "-Dfile.encoding=UTF-8", "-cp", System.getProperty("java.class.path"),
        ClientMountMain.class.getName(), metaUri, blobDir.toString(), mnt.toString(), Long.toString(sessionTtl.toSeconds()))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.PIPE).start();
    java.io.BufferedReader out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream()));
    StringBuilder seen = new StringBuilder();
    String line;
    while ((line = out.readLine()) != null && !line.equals("MOUNTED")) {
      seen.append(line).append('\n');
    }
    if (line == null) {
      p.destroyForcibly();
      throw new AssertionError("client exited before mounting:\n" + seen);
    }
    Thread drain = new Thread(() -> {
      try {
        while (out.readLine() != null) {
          // keep the pipe from filling up
        }
      } catch (java.io.IOException e) {
        // process gone
      }
    });
    drain.setDaemon(true);
    drain.start();
    return p;
  }

  static FsConfig clientConfig(Duration sessionTtl) {
    return FsConfig.defaults().toBuilder().sessionTtl(sessionTtl).build();
  }
}
