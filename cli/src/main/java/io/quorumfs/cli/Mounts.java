package io.quorumfs.cli;

import com.codahale.metrics.MetricRegistry;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.DirBlobStore;
import io.quorumfs.blob.PairedBlobStore;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.fuse.FuseMount;
import io.quorumfs.fuse.FuseMountException;
import io.quorumfs.fuse.MountHandle;
import io.quorumfs.fuse.MountOptions;
import io.quorumfs.fuse.MountTable;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;

/** Opens the stores and the file system of a mount and mounts it with FUSE. */
final class Mounts {

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Mounts.class);

  private Mounts() {}

  /** A mounted file system; close unmounts, then closes the file system and the stores. */
  interface Mounted extends Parts.Running {
    /** Blocks until the mount ends however it ends (close, fusermount -u, shutdown). */
    void awaitUnmount() throws InterruptedException;
  }

  static Mounted mount(Parts.MountSpec spec, MetricRegistry metrics) {
    Parts.awaitLeader(spec.metaUri(), java.time.Duration.ofSeconds(120));
    Deque<AutoCloseable> opened = new ArrayDeque<>();
    try {
      KvStore meta = open(spec.metaUri(), "metadata");
      opened.push(meta);
      BlobStore blobs = new MeteredBlobStore(blobs(spec, opened, metrics), metrics);
      FsConfig config = FsConfig.builder()
          .blockCacheBytes(chunkCacheBytes(spec.cacheBytes(), Runtime.getRuntime().maxMemory()))
          .blobWait(spec.blobWait())
          .metrics(metrics)
          .rootOwner(FuseAccess.uid(), FuseAccess.gid()) // a new file system belongs to who mounts it
          .delegations(spec.delegations())
          .formatIfEmpty(true).build();
      FileSystem fs = FileSystems.open(meta, blobs, config);
      opened.push(fs::close);
      MountOptions options = MountOptions.defaults().toBuilder()
          .name(name(spec.metaUri())).allowOther(spec.allowOther()).build();
      MountHandle handle;
      try {
        handle = FuseMount.mount(table(spec.mountTable(), fs), spec.mountPoint(), options, metrics);
      } catch (FuseMountException e) {
        throw new CommandFailedException("cannot mount " + spec.mountPoint() + ": " + e.getMessage(), e);
      }
      opened.push(handle::close);
      Logging.CONN.info("mounted {} (metadata {}, blobs {})", spec.mountPoint(),
          Endpoints.shown(spec.metaUri()), Endpoints.shown(spec.blobUri()));
      return new Mounted() {
        @Override
        public void close() {
          closeAll(opened);
        }

        @Override
        public String where() {
          return spec.mountPoint().toString();
        }

        @Override
        public void awaitUnmount() throws InterruptedException {
          handle.awaitUnmount();
        }
      };
    } catch (RuntimeException e) {
      closeAll(opened);
      throw e;
    }
  }

  /**
   * The in-heap chunk cache: {@code mount.cache-size}, but never above a quarter of the heap (the
   * rest is for write buffers, the metadata cache and, under quorumfs up, the replicas); a bigger
   * setting is lowered with a warning that says what to change.
   */
  static long chunkCacheBytes(long configured, long maxHeap) {
    long cap = Math.max(1L << 20, maxHeap / 4);
    if (configured <= cap) {
      return configured;
    }
    LOG.warn("mount.cache-size {} is more than a quarter of this JVM's max heap ({}): the chunk "
        + "cache, which lives in the heap, is capped at {}; set mount.cache-size (--cache-size, "
        + "QUORUMFS_MOUNT_CACHE_SIZE) to at most {}, or raise the heap (QUORUMFS_HEAP)",
        mib(configured), mib(maxHeap), mib(cap), mib(cap));
    return cap;
  }

  private static String mib(long bytes) {
    return (bytes >> 20) + " MiB";
  }

  /**
   * Blobs: the blob URI, or in write-back mode a {@link PairedBlobStore} in front of it: an on-disk
   * chunk cache ({@code <cache-dir>/write-back/blobs}, bounded by {@code mount.disk-cache-size}) and
   * a durable outbox ({@code <cache-dir>/write-back/outbox}, RocksDB) whose uploads resume when the
   * mount starts again.
   */
  static BlobStore blobs(Parts.MountSpec spec, Deque<AutoCloseable> opened, MetricRegistry metrics) {
    BlobStore remote = Parts.openBlobs(spec.blobUri());
    if (!spec.writeBack()) {
      opened.push(remote::close);
      return remote;
    }
    PairedBlobStore paired;
    try {
      paired = writeBack(remote, spec.cacheDir(), spec.diskCacheBytes());
    } catch (RuntimeException e) {
      remote.close();
      throw e;
    }
    opened.push(paired::close);
    metrics.gauge("mount.outbox.backlog", () -> paired::pendingUploads);
    metrics.gauge("mount.disk-cache.bytes", () -> paired::cachedBytes);
    return paired;
  }

  /** The write-back store over {@code remote} in {@code cacheDir}; closing it closes remote. */
  static PairedBlobStore writeBack(BlobStore remote, Path cacheDir, long diskCacheBytes) {
    Path base = cacheDir.resolve("write-back");
    if (Files.isDirectory(cacheDir.resolve("outbox"))) {
      LOG.warn("{} is the outbox of an earlier write-back layout (a key-value pair of stores), "
          + "which this version does not read; write-back now keeps its outbox in {}. Remove it "
          + "once nothing in it is needed.", cacheDir.resolve("outbox"), base);
    }
    DirBlobStore local;
    try {
      Files.createDirectories(base);
      local = DirBlobStore.open(base.resolve("blobs"));
    } catch (java.io.IOException | RuntimeException e) {
      throw new CommandFailedException("cannot open the write-back cache in " + base + ": "
          + e.getMessage(), e);
    }
    KvStore outbox;
    try {
      // fsync=commit: an outbox entry must survive a power loss, as the chunk file does
      outbox = open("rocks://" + base.resolve("outbox") + "?fsync=commit", "outbox");
    } catch (RuntimeException e) {
      local.close();
      throw new CommandFailedException("cannot open the write-back outbox in " + base
          + " (is another mount using this cache directory? set mount.cache-dir): "
          + e.getMessage(), e);
    }
    try {
      return PairedBlobStore.builder(local, remote, outbox).writeBack(true)
          .cacheBytes(diskCacheBytes).build();
    } catch (RuntimeException e) {
      local.close();
      outbox.close();
      throw e;
    }
  }

  private static KvStore open(String uri, String what) {
    try {
      return KvStores.open(uri);
    } catch (IllegalArgumentException e) {
      throw new CommandFailedException("bad " + what + " store URI: " + e.getMessage(),
          ExitCode.USAGE, e);
    }
  }

  /** {@code /=,/projects=vol/projects}: each entry shows a subdirectory at a path. */
  static MountTable table(String spec, FileSystem fs) {
    if (spec == null || spec.isBlank()) {
      return MountTable.of(fs);
    }
    MountTable.Builder b = MountTable.builder();
    for (String entry : spec.split(",")) {
      int eq = entry.indexOf('=');
      if (eq <= 0) {
        throw new io.quorumfs.cli.config.ConfigException("config error: key 'mount.table' has bad "
            + "value '" + spec + "' (entry '" + entry + "' is not path=subdir); allowed: "
            + "path=subdir[,path=subdir...]");
      }
      String sub = entry.substring(eq + 1).trim();
      b.add(entry.substring(0, eq).trim(), fs, sub.isEmpty() ? "/" : (sub.startsWith("/") ? sub : "/" + sub));
    }
    return b.build();
  }

  /** The mount source shown in /proc/mounts: quorumfs:<first metadata address>. */
  static String name(String metaUri) {
    String n = metaUri.contains("://") ? metaUri.substring(metaUri.indexOf("://") + 3) : metaUri;
    n = n.split("[,?]", 2)[0].replaceAll("[^A-Za-z0-9.:_/-]", "_");
    if (n.isEmpty() || n.equals("/")) {
      n = "local";
    }
    return n.length() > 60 ? n.substring(0, 60) : n;
  }

  private static void closeAll(Deque<AutoCloseable> opened) {
    RuntimeException first = null;
    while (!opened.isEmpty()) {
      try {
        opened.pop().close();
      } catch (Exception e) {
        if (first == null) {
          first = e instanceof RuntimeException ? (RuntimeException) e : new RuntimeException(e);
        } else {
          first.addSuppressed(e);
        }
      }
    }
    if (first != null) {
      throw first;
    }
  }
}
