package io.quorumfs.meta;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.stream.Stream;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One metadata replica: a Ratis server (gRPC) running {@link MetaStateMachine} over this replica's
 * own store. Embeddable: several may run in one JVM (each with its own storage dir and port).
 *
 * <p>{@link #start} refuses a storage dir that holds another raft group, and a store that holds
 * data while the raft log is missing, naming both; it never modifies them.
 */
public final class MetaServer implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(MetaServer.class);

  private final MetaServerConfig config;
  private final RaftServer server;
  private final MetaStateMachine stateMachine;
  private final ScheduledExecutorService timer;
  private final FeedService feed;
  /** Leader-side group commit (our Commit RPC); set once the services are built. */
  private CommitService commit;
  /** Leader-served linearizable reads (our Read RPC); set once the services are built. */
  private ReadService reads;
  private volatile boolean closed;

  private MetaServer(MetaServerConfig config, RaftServer server, MetaStateMachine sm, ScheduledExecutorService timer,
                     FeedService feed) {
    this.feed = feed;
    this.config = config;
    this.server = server;
    this.stateMachine = sm;
    this.timer = timer;
  }

  /**
   * Starts the replica and returns once it listens; it joins (or elects) a leader in the background.
   *
   * @throws IllegalStateException if the storage dir or store belongs to another group, or the store
   *     has data but the raft log is gone
   * @throws IOException if the storage cannot be opened or the port bound
   */
  public static MetaServer start(MetaServerConfig config) throws IOException {
    return start(config, java.util.function.UnaryOperator.identity());
  }

  /** {@link #start(MetaServerConfig)} with the replica store wrapped (tests inject failures). */
  static MetaServer start(MetaServerConfig config, java.util.function.UnaryOperator<ReplicaStore> wrapStore)
      throws IOException {
    RaftGroup group = RaftSettings.group(config.group(), config.peers());
    UUID ours = config.groupUuid();
    Path dir = config.storageDir();
    Files.createDirectories(dir);
    checkStorageDir(dir, ours, config.group());
    boolean fresh = !Files.isDirectory(dir.resolve(ours.toString()));
    ReplicaStore store = wrapStore.apply(ReplicaStores.open(config.storeUri(), config.maxWatchValueBytes()));
    FeedService feed = null;
    CommitService commits = null;
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "meta-" + config.id() + "-timer");
      t.setDaemon(true);
      return t;
    });
    try {
      if (fresh && store.applied().index() >= 0) {
        throw new IllegalStateException("replica store " + config.storeUri() + " holds data applied through log index "
            + store.applied().index() + " but the raft storage " + dir.resolve(ours.toString())
            + " does not exist; refusing to start on a store whose log is gone (restore the raft dir or remove the store)");
      }
      MetaStateMachine sm = new MetaStateMachine(store, config, timer);
      org.apache.ratis.conf.Parameters params =
          config.tls() == null ? new org.apache.ratis.conf.Parameters() : config.tls().parameters();
      MetaRpc rpc = new MetaRpc();
      feed = new FeedService(config.id(), sm.ring(), sm::feedProblem, sm::appliedIndex, sm::leaderElsewhere, timer);
      feed.leases(sm.leases(), sm::appliedRevision, sm::leading);
      rpc.add(feed.definition());
      commits = new CommitService(config.id(), sm, config.groupCommit(), LogClock.system());
      rpc.add(commits.definition());
      ReadService reads = new ReadService(sm);
      rpc.add(reads.definition());
      rpc.install(params);
      RaftServer server = RaftServer.newBuilder()
          .setServerId(RaftPeerId.valueOf(config.id()))
          .setGroup(group)
          .setStateMachine(sm)
          .setProperties(RaftSettings.server(config))
          .setOption(fresh ? RaftStorage.StartupOption.FORMAT : RaftStorage.StartupOption.RECOVER)
          .setParameters(params)
          .build();
      java.util.concurrent.atomic.AtomicReference<MetaServer> self = new java.util.concurrent.atomic.AtomicReference<>();
      sm.onFatal(() -> {
        Thread t = new Thread(() -> {
          MetaServer m = self.get();
          try {
            if (m != null) {
              m.close();
            } else {
              server.close();
            }
          } catch (IOException | RuntimeException e) {
            LOG.warn("meta replica {}: stopping after the store failure", config.id(), e);
          } finally {
            if (m != null) {
              m.failStopped.countDown();
            }
          }
        }, "meta-" + config.id() + "-fail-stop");
        t.setDaemon(true);
        t.start();
      });
      server.start();
      sm.startFeedHealthChecks();
      LOG.info("meta replica {} started on {} (group '{}' {}, storage {}, store {}, {})", config.id(), config.address(),
          config.group(), ours, dir, config.storeUri(), config.tls() == null ? "plain gRPC" : "mutual TLS");
      MetaServer started = new MetaServer(config, server, sm, timer, feed);
      self.set(started);
      started.commit = commits;
      started.reads = reads;
      return started;
    } catch (IOException | RuntimeException e) {
      if (commits != null) {
        commits.close();
      }
      if (feed != null) {
        feed.close();
      }
      timer.shutdownNow();
      store.close();
      throw e;
    }
  }

  private static void checkStorageDir(Path dir, UUID ours, String groupName) throws IOException {
    try (Stream<Path> list = Files.list(dir)) {
      for (Path p : (Iterable<Path>) list::iterator) {
        String name = p.getFileName().toString();
        UUID other;
        try {
          other = UUID.fromString(name);
        } catch (IllegalArgumentException e) {
          continue;
        }
        if (!other.equals(ours) && Files.isDirectory(p)) {
          throw new IllegalStateException("storage dir " + dir + " holds raft group " + other
              + ", not group '" + groupName + "' (" + ours + "); use another dir or the matching group name");
        }
      }
    }
  }

  public MetaServerConfig config() {
    return config;
  }

  public String id() {
    return config.id();
  }

  /** The store failure that stopped this replica (it is closed then), or null. */
  public RuntimeException failure() {
    return stateMachine.fatal();
  }

  /** Counted down once a store failure has stopped and closed this replica (fail-stop). */
  private final java.util.concurrent.CountDownLatch failStopped = new java.util.concurrent.CountDownLatch(1);

  /**
   * Waits until a store failure has stopped this replica, and returns that failure. A process
   * serving one replica exits when this returns (its supervisor then sees the failure); it never
   * returns after an ordinary {@link #close}.
   */
  public RuntimeException awaitFailStop() throws InterruptedException {
    failStopped.await();
    return failure();
  }

  /** True once the replica is closed (by {@link #close} or after a store failure). */
  public boolean isClosed() {
    return closed;
  }

  /** True while this replica is the leader. */
  public boolean isLeader() {
    RaftServer.Division d = stateMachine.division();
    return d != null && d.getInfo().isLeader();
  }

  /** Linearizable reads this replica served as the leader through its Read RPC (tests, metrics). */
  long readsServed() {
    return reads.served();
  }

  /** This replica's status, read locally (no RPC). */
  public MetaStatus.Replica status() {
    return MetaStatus.decodeReplica(config.address(), stateMachine.query(
        MetaStateMachine.message(new byte[] {Wire.STATUS})).join().getContent().toByteArray());
  }

  /** Takes a snapshot now (normally automatic); returns its log index. */
  public long takeSnapshot() throws IOException {
    RaftServer.Division d = stateMachine.division();
    if (d == null) {
      throw new IOException("replica " + config.id() + " is not running");
    }
    try (org.apache.ratis.client.RaftClient c = RaftEndpoints.newClient(d.getGroup(),
        RaftSettings.client(java.time.Duration.ofSeconds(30)), org.apache.ratis.retry.RetryPolicies.noRetry(), null,
        config.tls())) {
      org.apache.ratis.protocol.RaftClientReply r = c.getSnapshotManagementApi(server.getId()).create(30_000);
      if (!r.isSuccess()) {
        throw new IOException("snapshot on " + config.id() + " failed: " + r.getException());
      }
      return r.getLogIndex();
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    commit.close();
    reads.close();
    feed.close();
    try {
      server.close();
    } catch (IOException e) {
      LOG.warn("closing meta replica {} failed", config.id(), e);
    }
    stateMachine.store().close();
    timer.shutdownNow();
  }

  @Override
  public String toString() {
    return "MetaServer[" + config.id() + "@" + config.address() + "]";
  }
}
