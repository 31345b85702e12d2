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
import io.quorumfs.kv.PairedStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

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
    drainOldOutbox(spec.cacheDir(), spec.blobUri(), OLD_OUTBOX_PATIENCE);
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

  /** How long a mount waits for an outbox of the earlier write-back layout to drain. */
  static final java.time.Duration OLD_OUTBOX_PATIENCE = java.time.Duration.ofMinutes(10);

  /**
   * Drains an outbox of the earlier write-back layout ({@code <cache-dir>/outbox}: a kv-spi
   * {@link PairedStore} whose slow side was the blob URI's key-value store) into that store and
   * removes it, so blobs it acknowledged are not lost. That layout ran only on key-value blob
   * stores: with pending writes and any other blob URI, or when the drain does not finish within
   * {@code patience}, the mount does not start and the message names the fix.
   */
  static void drainOldOutbox(Path cacheDir, String blobUri, java.time.Duration patience) {
    Path old = cacheDir.resolve("outbox");
    if (!Files.isDirectory(old)) {
      return;
    }
    KvStore fast;
    try {
      fast = KvStores.open("rocks://" + old);
    } catch (RuntimeException e) {
      throw new CommandFailedException(old + " is the outbox of an earlier write-back layout and "
          + "cannot be opened (" + e.getMessage() + "); if nothing in it is needed, remove it", e);
    }
    if (!hasPending(fast)) {
      fast.close();
      deleteTree(old);
      LOG.info("removed {}, the empty outbox of an earlier write-back layout", old);
      return;
    }
    String scheme = blobUri.substring(0, Math.max(0, blobUri.indexOf(':'))).toLowerCase(java.util.Locale.ROOT);
    if (List.of("file", "http", "https", "s3").contains(scheme)) {
      fast.close();
      throw new CommandFailedException(old + " holds blob writes of an earlier write-back layout "
          + "that have not reached their blob store, which was a key-value store (rocks://, "
          + "redis://, dynamodb://), not " + scheme + "://: mount once with --blob set to the store "
          + "this cache directory wrote to (the mount drains them into it), or remove " + old
          + " if nothing in it is needed");
    }
    KvStore slow;
    try {
      slow = KvStores.open(blobUri);
    } catch (RuntimeException e) {
      fast.close();
      throw e;
    }
    LOG.warn("{} holds blob writes of an earlier write-back layout: copying them to {} first",
        old, Endpoints.shown(blobUri));
    PairedStore paired = new PairedStore(fast, slow); // its background thread copies the outbox
    try {
      boolean drained;
      try {
        drained = paired.awaitPropagated(patience);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CommandFailedException("interrupted while draining " + old, e);
      }
      if (!drained) {
        throw new CommandFailedException(old + " (outbox of an earlier write-back layout) still "
            + "holds " + paired.backlog() + " blob writes after " + patience.toSeconds() + " s of "
            + "copying them to " + Endpoints.shown(blobUri) + " (is it reachable?); it is kept: "
            + "mount again once the blob store is reachable");
      }
    } finally {
      paired.close();
    }
    deleteTree(old);
    LOG.warn("copied the blob writes of {} to {} and removed it", old, Endpoints.shown(blobUri));
  }

  private static boolean hasPending(KvStore fast) {
    return !fast.scan(io.quorumfs.kv.KeyRange.prefix(PairedStore.OUTBOX_PREFIX), 1, null).entries().isEmpty();
  }

  private static void deleteTree(Path root) {
    try (java.util.stream.Stream<Path> s = Files.walk(root)) {
      s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (java.io.IOException e) {
      throw new CommandFailedException("cannot remove " + root + ": " + e.getMessage(), e);
    }
  }

  /** The write-back store over {@code remote} in {@code cacheDir}; closing it closes remote. */
  static PairedBlobStore writeBack(BlobStore remote, Path cacheDir, long diskCacheBytes) {
    Path base = cacheDir.resolve("write-back");
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
