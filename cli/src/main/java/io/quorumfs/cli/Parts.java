package io.quorumfs.cli;

import io.quorumfs.kv.HostPort;
import io.quorumfs.blob.BlobServer;
import io.quorumfs.cli.config.ConfigKeys;
import io.quorumfs.blob.BlobServerTls;
import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.fs.FsException;
import io.quorumfs.fs.Fsck;
import io.quorumfs.fs.GcMark;
import io.quorumfs.fs.LiveSessions;
import io.quorumfs.blob.BlobGc;
import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobInfo;
import io.quorumfs.blob.BlobPage;
import java.time.Instant;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.UriQuery;
import io.quorumfs.meta.MetaServer;
import io.quorumfs.meta.MetaServerConfig;
import io.quorumfs.meta.MetaStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.BlobStores;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * The only class that calls into the other modules (ratis-meta, blob, fs-core, fuse). Each method
 * throws {@link NotAvailableException} while the module it needs is not part of this build, so a
 * command says plainly what is missing instead of pretending.
 */
final class Parts {

  private Parts() {}

  /** What one metadata replica needs to start. */
  record MetaSpec(String id, String group, List<Peer> peers, String storeUri, Path raftDir,
      Optional<TlsOptions.Settings> tls) {}

  /** One replica of the group: id and host:port of its Raft endpoint. */
  record Peer(String id, String host, int port) {
    String address() {
      return new HostPort(host, port).toString(); // [v6]:port for an IPv6 literal
    }
  }

  /** A running part of this process; close stops it. */
  interface Running extends AutoCloseable {
    @Override
    void close();

    /** Whether it is a replica that leads its group now (stopped last, see UpCommand). */
    default boolean leader() {
      return false;
    }

    /** Where it can be reached (a URI or address), if anywhere. */
    default String where() {
      return "";
    }

    /**
     * Waits until it has stopped by itself after a failure it cannot serve past (a replica whose
     * store failed), and returns the failure; waits for ever if it cannot fail that way.
     */
    default RuntimeException awaitFailure() throws InterruptedException {
      new java.util.concurrent.CountDownLatch(1).await();
      throw new AssertionError();
    }
  }

  /** One replica's view for {@code status}. */
  record ReplicaStatus(String id, String address, String role, long term, long commitIndex,
      long appliedIndex, long revision, long snapshotIndex, String feedProblem,
      Optional<String> error, long storeBytes, long raftBytes) {}

  /**
   * The cluster at a glance; {@code clients} are the file system's live sessions (mounts and
   * other open file systems), or {@code clientsError} says why they could not be read.
   */
  record ClusterStatus(String group, Optional<String> leader, List<ReplicaStatus> replicas,
      Map<String, String> members, List<LiveSessions.Session> clients,
      Optional<String> clientsError) {}

  /** What fsck found: the problems, summary lines, and how many were repaired. */
  record FsckReport(long inodes, long directories, long files, long blocksRead, long bytes,
      List<String> problems, List<String> summary, int repaired) {}

  /** What gc found or removed. */
  record GcReport(long revision, long blobsSeen, long referenced, long unreferenced, long removed,
      long bytesRemoved, long keptForGrace) {}

  /** What a mount needs. */
  record MountSpec(String metaUri, String blobUri, Path mountPoint, Path cacheDir, long cacheBytes,
      boolean writeBack, long diskCacheBytes, Duration blobWait, String mountTable,
      boolean allowOther, boolean delegations) {

    /** The mount settings of {@code cfg} (mount.*) for these stores, mount point and cache dir. */
    static MountSpec of(io.quorumfs.cli.config.Config cfg, String metaUri, String blobUri,
        Path mountPoint, Path cacheDir) {
      return new MountSpec(metaUri, blobUri, mountPoint, cacheDir,
          cfg.number(ConfigKeys.MOUNT_CACHE_SIZE), cfg.bool(ConfigKeys.MOUNT_WRITE_BACK),
          cfg.number(ConfigKeys.MOUNT_DISK_CACHE_SIZE),
          Duration.ofSeconds(cfg.number(ConfigKeys.MOUNT_BLOB_WAIT)),
          cfg.get(ConfigKeys.MOUNT_TABLE), FuseAccess.allowOther(cfg),
          cfg.bool(ConfigKeys.MOUNT_DELEGATIONS));
    }
  }

  /** Starts one replica; returns once it listens (a leader may not be elected yet). */
  static Running startMeta(MetaSpec spec) {
    Map<String, String> peers = new LinkedHashMap<>();
    for (Peer p : spec.peers()) {
      peers.put(p.id(), p.address());
    }
    MetaServerConfig.Builder b = MetaServerConfig.builder().id(spec.id()).peers(peers)
        .storageDir(spec.raftDir()).storeUri(spec.storeUri()).group(spec.group());
    spec.tls().ifPresent(t -> b.tls(t.keyStore(), t.trustStore(), t.password()));
    MetaServerConfig config = b.build();
    MetaServer server;
    try {
      server = MetaServer.start(config);
    } catch (IOException e) {
      throw new CommandFailedException("cannot start replica " + spec.id() + ": " + e.getMessage(), e);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new CommandFailedException("cannot start replica " + spec.id() + ": " + e.getMessage(),
          ExitCode.USAGE, e);
    }
    Logging.CONN.info("replica {} of group {} listening on {} ({}), peers {}", spec.id(),
        spec.group(), peers.get(spec.id()), spec.tls().isPresent() ? "mutual TLS" : "plain gRPC",
        peers);
    return new Running() {
      @Override
      public void close() {
        server.close();
      }

      @Override
      public boolean leader() {
        return server.isLeader();
      }

      @Override
      public RuntimeException awaitFailure() throws InterruptedException {
        return server.awaitFailStop();
      }

      @Override
      public String where() {
        return peers.get(spec.id());
      }
    };
  }

  /** The raft:// URI clients use for {@code peers} (with ?group= unless it is the default). */
  static String raftUri(List<Peer> peers, String group) {
    return "raft://" + String.join(",", peers.stream().map(Peer::address).toList())
        + (DEFAULT_GROUP.equals(group) ? "" : "?group=" + group);
  }

  static final String DEFAULT_GROUP = "meta";

  /**
   * Serves {@code storeUri} over HTTP, or HTTPS with client certificates when {@code tls} is
   * given; the bearer token comes from QUORUMFS_BLOB_TOKEN.
   */
  static Running startBlobServer(String storeUri, String listen,
      Optional<TlsOptions.Settings> tls) {
    InetSocketAddress addr = HostPort.parse(listen).socketAddress();
    BlobStore blobs = openBlobs(storeUri);
    try {
      BlobServer server = BlobServer.builder(blobs).listen(addr)
          .token(System.getenv("QUORUMFS_BLOB_TOKEN"))
          .tls(tls.map(t -> new BlobServerTls(t.keyStore(), t.trustStore(), t.password()))
              .orElse(null))
          .start();
      Logging.CONN.info("blob server listening on {} (auth {})", server.uri(), server.auth());
      return new Running() {
        @Override
        public void close() {
          server.close();
          blobs.close();
        }

        @Override
        public String where() {
          return server.uri().toString();
        }
      };
    } catch (IllegalArgumentException e) {
      blobs.close();
      throw new CommandFailedException("cannot start the blob server: " + e.getMessage(),
          ExitCode.USAGE, e);
    } catch (IOException e) {
      blobs.close();
      throw new CommandFailedException("cannot listen on " + listen + ": " + e.getMessage(), e);
    }
  }

  static BlobStore openBlobs(String uri) {
    try {
      return BlobStores.open(uri);
    } catch (IllegalArgumentException e) {
      throw new CommandFailedException("bad blob store URI: " + e.getMessage(), ExitCode.USAGE, e);
    }
  }

  /** Asks every replica named in {@code metaUri} (raft://...?group=&tls...) for its state. */
  static ClusterStatus status(String metaUri, Duration timeout) {
    if (!metaUri.startsWith("raft://")) {
      throw new CommandFailedException("status needs a raft:// metadata URI, got '" + metaUri
          + "' (a single-node store has no replicas to show)", ExitCode.USAGE, null);
    }
    String group = queryParam(metaUri, "group").orElse(DEFAULT_GROUP);
    MetaStatus st = MetaStatus.query(metaUri, timeout);
    // the membership as the leader (else the first replica that answered) reports it
    Map<String, String> members = members(st);
    List<String> asked = st.replicas().stream().map(MetaStatus.Replica::address).toList();
    List<String> more = members.values().stream().filter(a -> !asked.contains(a)).toList();
    if (!more.isEmpty()) { // members the URI does not name (added since): ask them too
      int q = metaUri.indexOf('?');
      List<String> all = new ArrayList<>(asked);
      all.addAll(more);
      st = MetaStatus.query("raft://" + String.join(",", all) + (q < 0 ? "" : metaUri.substring(q)),
          timeout);
    }
    List<ReplicaStatus> out = new ArrayList<>();
    for (MetaStatus.Replica r : st.replicas()) {
      out.add(new ReplicaStatus(r.id(), r.address(), r.role(), r.term(), r.commitIndex(),
          r.appliedIndex(), r.revision(), r.snapshotIndex(),
          r.feedProblem() == null ? "" : r.feedProblem(), Optional.ofNullable(r.error()),
          r.storeBytes(), r.raftBytes()));
    }
    List<LiveSessions.Session> clients = List.of();
    Optional<String> clientsError = Optional.of("no leader");
    if (st.leaderId() != null) {
      String t = timeout.toMillis() + "ms";
      String uri = metaUri.contains("timeout=") ? metaUri : metaUri
          + (metaUri.contains("?") ? "&" : "?") + "timeout=" + t + "&requestTimeout=" + t;
      try (KvStore meta = KvStores.open(uri)) {
        Instant now = Instant.now();
        clients = LiveSessions.list(meta, FsConfig.defaults()).stream()
            .filter(s -> s.live(now)).toList();
        clientsError = Optional.empty();
      } catch (RuntimeException e) {
        clientsError = Optional.of(String.valueOf(e.getMessage()));
      }
    }
    return new ClusterStatus(group, Optional.ofNullable(st.leaderId()), out, members, clients,
        clientsError);
  }

  private static Map<String, String> members(MetaStatus st) {
    return st.replicas().stream().filter(MetaStatus.Replica::reachable)
        .sorted(java.util.Comparator.comparing(r -> "LEADER".equals(r.role()) ? 0 : 1))
        .map(MetaStatus.Replica::peers).findFirst().orElse(Map.of());
  }

  /**
   * For a raft:// URI, waits until the group has a leader (a client's first linearizable read
   * fails while an election is still running); other URIs return at once.
   */
  static void awaitLeader(String metaUri, Duration timeout) {
    if (!metaUri.startsWith("raft://")) {
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    MetaStatus last;
    do {
      last = MetaStatus.query(metaUri, Duration.ofSeconds(2));
      if (last.leaderId() != null) {
        return;
      }
      try {
        Thread.sleep(200); // polling the election with a deadline
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new CommandFailedException("interrupted while waiting for a leader");
      }
    } while (System.nanoTime() < deadline);
    throw new CommandFailedException("the metadata group " + metaUri + " has no leader after "
        + timeout.toSeconds() + " s (is a majority of its replicas running?): " + last);
  }

  static Optional<String> queryParam(String uri, String name) {
    return UriQuery.of(uri).get(name);
  }

  /**
   * fs-core's {@link Fsck} (every reference: dentries, inodes, counters, chunk maps, blobs), then
   * with {@code readData} a walk that reads every byte (verifying every chunk's hash).
   */
  static FsckReport fsck(String metaUri, String blobUri, boolean repair, boolean readData,
      Progress progress) {
    try (KvStore meta = openKv(metaUri, "metadata"); BlobStore blobs = openBlobs(blobUri)) {
      FsConfig config = FsConfig.builder().formatIfEmpty(false).background(false).build();
      progress.total(readData ? 2 : 1);
      Fsck.Report r = Fsck.run(meta, blobs, config, repair);
      progress.advance(1);
      List<String> problems = new ArrayList<>(r.problems());
      List<String> summary = new ArrayList<>();
      summary.add(String.format("checked at revision %d: %d inodes, %d directory entries, %d "
          + "chunks, %d blobs%s", r.revision(), r.inodes(), r.dentries(), r.chunks(), r.blobs(),
          repair ? "; repaired " + r.repaired() : ""));
      if (readData) {
        FileSystem fs = FileSystems.open(meta, blobs, config);
        try {
          FsckReport walk = new TreeCheck(fs, true, progress).run();
          problems.addAll(walk.problems());
          summary.add(String.format("read back %d files (%s) in %d directories", walk.files(),
              io.quorumfs.cli.config.Sizes.format(walk.bytes()), walk.directories()));
        } finally {
          fs.close();
        }
      }
      return new FsckReport(r.inodes(), 0, 0, 0, 0, problems, summary, r.repaired());
    } catch (FsException e) {
      throw new CommandFailedException("cannot check the file system in " + metaUri + ": "
          + e.getMessage(), e);
    }
  }

  static KvStore openKv(String uri, String what) {
    try {
      return KvStores.open(uri);
    } catch (IllegalArgumentException e) {
      throw new CommandFailedException("bad " + what + " store URI: " + e.getMessage(),
          ExitCode.USAGE, e);
    }
  }

  /**
   * Runs {@link #gc} with deletion every {@code every} (the first pass after one interval) on a
   * daemon thread until closed; a failed pass is logged and the next one runs as planned.
   */
  private static final org.slf4j.Logger GC_LOG = org.slf4j.LoggerFactory.getLogger(Parts.class);

  static Running startPeriodicGc(String metaUri, String blobUri, long graceSeconds, Duration every) {
    java.util.concurrent.ScheduledExecutorService timer =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
          Thread t = new Thread(r, "quorumfs-blob-gc");
          t.setDaemon(true);
          return t;
        });
    timer.scheduleWithFixedDelay(() -> {
      try {
        GcReport r = gc(metaUri, blobUri, false, graceSeconds, new Progress(
            new java.io.PrintWriter(java.io.OutputStream.nullOutputStream()), "gc", 0, false, System::nanoTime));
        GC_LOG.info("blob gc: {} blobs, {} referenced, {} deleted ({} bytes), {} kept inside the {} s grace",
            r.blobsSeen(), r.referenced(), r.removed(), r.bytesRemoved(), r.keptForGrace(), graceSeconds);
      } catch (RuntimeException e) {
        GC_LOG.warn("blob gc pass failed (next in {} s): {}", every.toSeconds(), e.getMessage(), e);
      }
    }, every.toMillis(), every.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    return () -> {
      timer.shutdownNow();
      try {
        timer.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
  }

  /**
   * Garbage-collects the blob store with {@link BlobGc}: the mark's start time is taken before
   * fs-core's {@link GcMark} reads the live set (every blob a chunk map references, consistent with
   * the change feed), then the store is swept page by page; an unreferenced blob is deleted only if
   * stamped before that start minus the grace. A listing or delete error stops the sweep and fails
   * the command with what was done so far.
   */
  static GcReport gc(String metaUri, String blobUri, boolean dryRun, long graceSeconds,
      Progress progress) {
    try (KvStore meta = openKv(metaUri, "metadata"); BlobStore blobs = openBlobs(blobUri)) {
      BlobGc gc = new BlobGc(blobs, Clock.systemUTC());
      BlobGc.Mark mark = gc.beginMark(); // before the live set is read: see BlobGc
      GcMark.Marked marked = GcMark.liveBlobs(meta, FsConfig.defaults(), Duration.ofSeconds(60));
      long[] listed = {0};
      BlobGc.Report r = gc.sweep(mark, marked.live()::contains, Duration.ofSeconds(graceSeconds), p -> {
        progress.total(p.scanned() + 1000);
        progress.advance(p.scanned() - listed[0]);
        listed[0] = p.scanned();
      }, dryRun);
      if (!r.complete()) {
        throw new CommandFailedException("gc stopped, nothing more was deleted: " + r, r.error());
      }
      return new GcReport(marked.revision(), r.scanned(), r.live(), r.young() + r.deleted(),
          r.deleted(), r.bytesFreed(), r.young());
    } catch (FsException e) {
      throw new CommandFailedException("gc mark failed, nothing was deleted: " + e.getMessage(), e);
    }
  }
}
