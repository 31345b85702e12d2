package io.quorumfs.meta;

import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.UnsafeByteOperations;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The replicated state machine: applies committed log entries (batches of txns, {@link Wire}) to
 * this replica's own {@link ReplicaStore}, deterministically, and serves reads, the change feed
 * and status from it.
 *
 * <ul>
 *   <li>Apply never throws for bad input: a malformed entry is recorded as applied and answered
 *       with an error reply; a failed compare is a result.</li>
 *   <li>The store persists the applied (term, index) with the data. Ratis replays the log from the
 *       latest snapshot; entries at or below the store's applied index are skipped, so nothing is
 *       applied twice.</li>
 *   <li>Snapshots are the store's own copies ({@link ReplicaStore#snapshotTo}) in
 *       {@link SnapshotStore}; installing one replaces the store's state.</li>
 * </ul>
 */
final class MetaStateMachine extends BaseStateMachine {

  private static final Logger LOG = LoggerFactory.getLogger(MetaStateMachine.class);

  static final int MAX_SCAN_REPLY_BYTES = 4 << 20;
  static final int MAX_SCAN_REPLY_ENTRIES = 10_000;

  private final SnapshotStore snapshots = new SnapshotStore();
  private final ReplicaStore store;
  private final ChangeRing ring;
  /** The dedupe table of leader-batched commits; used by the apply thread (and load at start). */
  private final CommitSessions sessions;
  private final MetaServerConfig config;
  private final ScheduledExecutorService timer;
  /** Stale reads waiting for an applied index. */
  private final TreeMap<Long, List<CompletableFuture<Void>>> indexWaiters = new TreeMap<>();
  private volatile RaftServer.Division division;
  /** Client cache leases held on this replica while it leads (docs/leases.md). */
  private final LeaseTable leases;
  /**
   * The term this replica last applied an entry as leader in, and the hold on replies it began with
   * (done once its predecessor's leases have lapsed). Apply thread only.
   */
  private long leaderTerm = -1;
  private CompletableFuture<Void> leaderHold = CompletableFuture.completedFuture(null);
  /**
   * The one client whose txns make up the entry being applied, when it is a leader-batched entry
   * of one client's txns, else null: its reply need not wait for that client's own leases
   * ({@link #afterLeases}). Apply thread only.
   */
  private java.util.UUID soleCommitter;

  /** The store failure that stopped this replica, or null. */
  private volatile RuntimeException fatal;
  /** The time of the latest leader-batched entry applied (or of the loaded dedupe table), for {@link LogClock}. */
  private volatile long appliedMillis;
  private volatile Runnable onFatal = () -> { };

  MetaStateMachine(ReplicaStore store, MetaServerConfig config, ScheduledExecutorService timer) {
    this.store = store;
    this.config = config;
    this.timer = timer;
    this.leases = new LeaseTable(config.leaseClock(), LeaseTable.LEASE);
    this.sessions = new CommitSessions(config.groupCommit().sessionIdle().toMillis());
    this.ring = new ChangeRing(config.feedEvents(), config.feedBytes());
  }

  ReplicaStore store() {
    return store;
  }

  /** What to run (once) when the replica's store fails: the server stops the replica. */
  void onFatal(Runnable r) {
    this.onFatal = r;
  }

  /** The store failure that stopped this replica, or null while it is healthy. */
  /** The time the applied log carries so far (0: none): where a new leader's {@link LogClock} starts. */
  long appliedMillis() {
    return appliedMillis;
  }

  RuntimeException fatal() {
    return fatal;
  }

  @Override
  public StateMachineStorage getStateMachineStorage() {
    return snapshots;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
    getLifeCycle().startAndTransition(() -> {
      super.initialize(server, groupId, raftStorage);
      snapshots.init(raftStorage);
      String owner = store.groupId();
      String ours = groupId.getUuid().toString();
      if (owner == null) {
        store.setGroupId(ours);
      } else if (!owner.equals(ours)) {
        throw new IOException("replica store " + store + " belongs to raft group " + owner
            + ", not to group '" + config.group() + "' (" + ours + "); refusing to touch it");
      }
      loadLatestSnapshotIfNewer();
    });
  }

  private void loadLatestSnapshotIfNewer() throws IOException {
    SnapshotInfo s = snapshots.refresh();
    if (s != null) {
      if (s.getIndex() > store.applied().index()) {
        LOG.info("{}: store at index {} is behind snapshot {}; restoring it", config.id(),
            store.applied().index(), s.getTermIndex());
        store.restoreFrom(snapshots.dirFor(s.getTermIndex()));
        if (!ours(store.groupId())) {
          throw new IOException("snapshot " + s.getTermIndex() + " belongs to raft group " + store.groupId());
        }
      }
      setLastAppliedTermIndex(s.getTermIndex());
    }
    sessions.load(store.sessions());
    appliedMillis = Math.max(appliedMillis, sessions.newestSeen());
    ring.reset(store.applied().revision());
  }

  private boolean ours(String group) {
    return group == null || group.equals(getGroupId().getUuid().toString());
  }

  @Override
  public void pause() {
    getLifeCycle().transition(LifeCycle.State.PAUSING);
    getLifeCycle().transition(LifeCycle.State.PAUSED);
  }

  @Override
  public void reinitialize() throws IOException {
    loadLatestSnapshotIfNewer();
    LOG.info("{}: reinitialized from snapshot {}, store applied {}", config.id(),
        snapshots.getLatestSnapshot(), store.applied());
    if (getLifeCycleState() == LifeCycle.State.PAUSED) {
      getLifeCycle().transition(LifeCycle.State.STARTING);
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    }
  }

  /**
   * Runs on the leader only, before an entry is logged: the one place that refuses the test-only
   * reset entry unless this replica allows it (refusing here keeps the log, and so every replica's
   * apply, deterministic). The refusal is a context carrying the exception, which Ratis answers
   * as a failed reply; throwing here instead would break the client's ordered request stream.
   */
  @Override
  public TransactionContext startTransaction(org.apache.ratis.protocol.RaftClientRequest request) throws IOException {
    org.apache.ratis.thirdparty.com.google.protobuf.ByteString c = request.getMessage().getContent();
    TransactionContext context = super.startTransaction(request);
    if (c.size() == 1 && c.byteAt(0) == Wire.RESET && !config.allowTestReset()) {
      context.setException(new IOException("the reset entry is refused: replica " + config.id()
          + " was not started with allowTestReset (tests only)"));
    }
    return context;
  }

  /** Entries without state-machine data (configuration, metadata) advance the applied index, until a store failure. */
  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    if (fatal == null) {
      super.notifyTermIndexUpdated(term, index);
    }
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    long term = entry.getTerm();
    long index = entry.getIndex();
    byte[] reply;
    if (fatal != null) {
      return CompletableFuture.failedFuture(new IllegalStateException("replica " + config.id()
          + " stopped after its store failed; entry " + index + " not applied", fatal));
    }
    soleCommitter = null;
    try {
      if (index <= store.applied().index()) {
        reply = error("entry " + index + " was applied before this replica restarted; its result is not kept");
      } else {
        reply = apply(term, index, entry.getStateMachineLogEntry().getLogData().toByteArray());
      }
    } catch (RuntimeException e) {
      // The store itself failed (disk). Fail-stop: going on would leave this replica without the
      // entry while it answers reads, serves the feed, ships snapshots and (its dedupe table
      // updated in memory) acknowledges a resend of it. The applied index stays before the entry,
      // so a restart replays it from the log; no later entry is applied meanwhile.
      fatal = e;
      LOG.error("{}: replica store failed applying entry {}; stopping this replica (restart it once "
          + "the store is healthy: it replays from index {})", config.id(), index, store.applied().index() + 1, e);
      onFatal.run();
      return CompletableFuture.failedFuture(e);
    }
    updateLastAppliedTermIndex(term, index);
    wakeIndexWaiters(index);
    return afterLeases(message(reply), soleCommitter);
  }

  LeaseTable leases() {
    return leases;
  }

  /** The revision of the last applied change (the store's). */
  long appliedRevision() {
    return store.applied().revision();
  }

  /**
   * On the leader, the reply to an applied entry (what its committers are told) waits until every
   * valid cache lease has acknowledged receiving it, or lapsed (docs/leases.md); a new leader also
   * holds replies until every lease its predecessor may have granted has lapsed (not in term 1:
   * there was no predecessor). Followers' replies go nowhere and are not held.
   *
   * <p>An entry made only of {@code committer}'s txns does not wait for that client's own leases
   * (session ids {@code <committer>/…}): such a client serves no read from its cache until its feed
   * has delivered the revision of every commit it was answered (docs/leases.md, "The committer's
   * own lease"), so its acknowledgment adds nothing but a feed round trip.
   */
  private CompletableFuture<Message> afterLeases(Message m, java.util.UUID committer) {
    RaftServer.Division d = division();
    if (d == null || !d.getInfo().isLeader()) {
      return CompletableFuture.completedFuture(m);
    }
    long t = d.getInfo().getCurrentTerm();
    if (t != leaderTerm) {
      leaderTerm = t;
      CompletableFuture<Void> hold = new CompletableFuture<>();
      if (t > 1) {
        timer.schedule(() -> hold.complete(null), LeaseTable.newLeaderHoldNanos(),
            java.util.concurrent.TimeUnit.NANOSECONDS);
      } else {
        hold.complete(null);
      }
      leaderHold = hold;
    }
    CompletableFuture<Void> acked = leases.awaitAcked(store.applied().revision(),
        committer == null ? null : LeaderCommitClient.sessionPrefix(committer));
    if (!leaderHold.isDone()) {
      acked = acked.thenCombine(leaderHold, (a, b) -> null);
    }
    return acked.isDone() ? CompletableFuture.completedFuture(m) : acked.thenApply(v -> m);
  }

  private byte[] apply(long term, long index, byte[] data) {
    if (data.length == 1 && data[0] == Wire.RESET) {
      store.wipe(term, index); // the data and the dedupe table's rows
      sessions.load(Map.of());
      ring.forgetHistory(store.applied().revision());
      LOG.info("{}: reset entry at index {}: every key deleted", config.id(), index);
      return new byte[] {Wire.OK};
    }
    if (data.length > 0 && data[0] == Wire.GROUP) {
      return applyGroup(term, index, data);
    }
    // A client-batched 'C' entry: no client writes them any more, but existing logs hold them.
    List<Txn> txns;
    try {
      txns = Wire.decodeBatch(data, Revisions.MAX_TXNS_PER_ENTRY);
    } catch (Wire.MalformedException e) {
      LOG.warn("{}: malformed entry at index {} ({} bytes): {}", config.id(), index, data.length, e.getMessage());
      store.apply(term, index, List.of());
      return error("malformed entry at index " + index + ": " + e.getMessage());
    }
    ReplicaStore.EntryResult r = store.apply(term, index, txns);
    ring.append(r.events(), store.applied().revision());
    Wire.Out o = new Wire.Out(16 + 24 * txns.size());
    o.b(Wire.OK).i(r.outcomes().size());
    for (TxnApplier.TxnOutcome t : r.outcomes()) {
      Wire.writeOutcome(o, t);
    }
    return o.bytes();
  }

  /**
   * A leader-batched entry: each (client, seq) already in the dedupe table answers with its
   * recorded result and is not applied again; the new txns are applied in order, and their results
   * recorded, in the same atomic write as their data. Time comes from the entry (leader-stamped).
   */
  private byte[] applyGroup(long term, long index, byte[] data) {
    Wire.Group g;
    try {
      g = Wire.decodeGroup(data, Revisions.MAX_TXNS_PER_ENTRY);
    } catch (Wire.MalformedException e) {
      LOG.warn("{}: malformed group entry at index {} ({} bytes): {}", config.id(), index, data.length, e.getMessage());
      store.apply(term, index, List.of());
      return error("malformed entry at index " + index + ": " + e.getMessage());
    }
    List<Wire.GroupItem> items = g.items();
    java.util.UUID sole = items.isEmpty() ? null : items.get(0).client();
    for (Wire.GroupItem it : items) {
      if (!it.client().equals(sole)) {
        sole = null;
        break;
      }
    }
    soleCommitter = sole;
    byte[][] replies = new byte[items.size()][];
    List<Txn> fresh = new ArrayList<>(items.size());
    List<Integer> freshAt = new ArrayList<>(items.size());
    Map<java.util.UUID, java.util.Set<Long>> newSeqs = new java.util.HashMap<>();
    for (int i = 0; i < items.size(); i++) {
      Wire.GroupItem it = items.get(i);
      CommitSessions.Seen seen = sessions.seen(it.client(), it.seq());
      boolean repeatedHere = !newSeqs.computeIfAbsent(it.client(), k -> new java.util.HashSet<>()).add(it.seq());
      if (seen == CommitSessions.Seen.DUPLICATE || repeatedHere) {
        replies[i] = null; // filled from the table below
      } else if (seen == CommitSessions.Seen.ACKNOWLEDGED) {
        replies[i] = Wire.outcome(new TxnApplier.TxnOutcome(false, 0, null, null,
            "txn " + it.seq() + " of client " + it.client() + " was acknowledged and forgotten; not applied again"));
      } else {
        fresh.add(it.txn());
        freshAt.add(i);
      }
    }
    ReplicaStore.EntryResult r = store.apply(term, index, fresh, outcomes -> {
      for (int j = 0; j < outcomes.size(); j++) {
        int i = freshAt.get(j);
        replies[i] = Wire.outcome(outcomes.get(j));
        sessions.record(items.get(i).client(), items.get(i).seq(), replies[i]);
      }
      for (Wire.GroupItem it : items) {
        sessions.touch(it.client(), it.lowWater(), g.leaderMillis());
      }
      sessions.expire(g.leaderMillis());
      return sessions.drainDirty();
    });
    appliedMillis = Math.max(appliedMillis, g.leaderMillis());
    ring.append(r.events(), store.applied().revision());
    Wire.Out o = new Wire.Out(16 + 32 * items.size());
    o.b(Wire.OK).i(items.size());
    for (int i = 0; i < items.size(); i++) {
      byte[] reply = replies[i];
      if (reply == null) {
        reply = sessions.result(items.get(i).client(), items.get(i).seq());
      }
      if (reply == null) {
        reply = Wire.outcome(new TxnApplier.TxnOutcome(false, 0, null, null, "txn " + items.get(i).seq()
            + " of client " + items.get(i).client() + " has no recorded result"));
      }
      o.bytes(reply);
    }
    return o.bytes();
  }

  static byte[] error(String message) {
    return new Wire.Out(message.length() + 8).b(Wire.ERROR).str(message).bytes();
  }

  static Message message(byte[] b) {
    return Message.valueOf(UnsafeByteOperations.unsafeWrap(b));
  }

  @Override
  public long takeSnapshot() throws IOException {
    if (fatal != null) {
      // Ratis asks for one on shutdown, labelled with its own applied index, which passed the
      // failed entry: a snapshot would hide the gap (a restart would restore it and skip the entry).
      throw new IOException("replica " + config.id() + " stopped after its store failed: no snapshot", fatal);
    }
    TermIndex ti = getLastAppliedTermIndex();
    if (ti == null || ti.getIndex() < 0) {
      return RaftLog.INVALID_LOG_INDEX;
    }
    SnapshotInfo latest = snapshots.getLatestSnapshot();
    if (latest != null && latest.getIndex() >= ti.getIndex()) {
      return latest.getIndex();
    }
    Path tmp = snapshots.tmpDirFor(ti);
    RocksReplicaStore.deleteTree(tmp);
    store.snapshotTo(tmp);
    Files.move(tmp, snapshots.dirFor(ti), StandardCopyOption.ATOMIC_MOVE);
    snapshots.refresh();
    LOG.info("{}: snapshot {} taken (store applied {})", config.id(), ti, store.applied());
    return ti.getIndex();
  }

  // ---- reads -------------------------------------------------------------------------------

  @Override
  public CompletableFuture<Message> queryStale(Message request, long minIndex) {
    return awaitApplied(minIndex).thenCompose(v -> query(request));
  }

  /** Completes once this replica has applied log index {@code minIndex}. */
  private CompletableFuture<Void> awaitApplied(long minIndex) {
    TermIndex ti = getLastAppliedTermIndex();
    if (minIndex <= 0 || (ti != null && ti.getIndex() >= minIndex)) {
      return CompletableFuture.completedFuture(null);
    }
    CompletableFuture<Void> f = new CompletableFuture<>();
    synchronized (indexWaiters) {
      ti = getLastAppliedTermIndex();
      if (ti != null && ti.getIndex() >= minIndex) {
        return CompletableFuture.completedFuture(null);
      }
      indexWaiters.computeIfAbsent(minIndex, k -> new ArrayList<>()).add(f);
    }
    return f;
  }

  private void wakeIndexWaiters(long applied) {
    List<CompletableFuture<Void>> ready = new ArrayList<>();
    synchronized (indexWaiters) {
      while (!indexWaiters.isEmpty() && indexWaiters.firstKey() <= applied) {
        ready.addAll(indexWaiters.pollFirstEntry().getValue());
      }
    }
    ready.forEach(f -> f.complete(null));
  }

  @Override
  public CompletableFuture<Message> query(Message request) {
    byte[] req = request.getContent().toByteArray();
    try {
      Wire.In in = new Wire.In(req);
      byte kind = in.b();
      switch (kind) {
        case Wire.GET:
          return done(get(in));
        case Wire.SCAN:
          return done(scan(in));
        case Wire.REVISION:
          return done(new Wire.Out(24).b(Wire.OK).l(store.applied().revision()).l(store.applied().index()).bytes());
        case Wire.AT_INDEX:
          long minIndex = in.l();
          byte[] inner = java.util.Arrays.copyOfRange(req, 9, req.length);
          return awaitApplied(minIndex).thenCompose(v -> query(message(inner)));
        case Wire.STATUS:
          return done(status());
        case Wire.DIGEST:
          ReplicaStore.Digest d = store.digest();
          ReplicaStore.Applied a = store.applied();
          return done(new Wire.Out(96).b(Wire.OK).l(a.index()).l(a.revision()).l(d.keys()).str(d.sha256()).bytes());
        default:
          return done(error("unknown query kind " + (kind & 0xFF)));
      }
    } catch (Wire.MalformedException e) {
      return done(error("malformed query: " + e.getMessage()));
    } catch (RuntimeException e) {
      LOG.warn("{}: query failed", config.id(), e);
      return done(error("query failed on " + config.id() + ": " + e));
    }
  }

  private static CompletableFuture<Message> done(byte[] b) {
    return CompletableFuture.completedFuture(message(b));
  }

  private byte[] get(Wire.In in) throws Wire.MalformedException {
    int n = in.count();
    List<byte[]> keys = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      keys.add(in.bytes());
    }
    List<Versioned> vs = store.getAll(keys);
    Wire.Out o = new Wire.Out(64 * n);
    o.b(Wire.OK).i(vs.size());
    for (Versioned v : vs) {
      o.l(v.version()).bytes(v.value());
    }
    return o.bytes();
  }

  private byte[] scan(Wire.In in) throws Wire.MalformedException {
    byte[] start = in.bytes();
    byte[] end = in.bytes();
    int limit = in.i();
    byte[] after = in.bytes();
    if (start == null || limit <= 0) {
      return error("scan needs a start key and a positive limit");
    }
    ScanPage page = store.scan(new KeyRange(start, end), Math.min(limit, MAX_SCAN_REPLY_ENTRIES), after,
        MAX_SCAN_REPLY_BYTES);
    Wire.Out o = new Wire.Out(1024);
    o.b(Wire.OK).b(page.more() ? 1 : 0).i(page.entries().size());
    for (Versioned v : page.entries()) {
      o.bytes(v.key()).l(v.version()).bytes(v.value());
    }
    return o.bytes();
  }

  /** When this replica last saw itself connected to a working leader (checked every 250 ms too). */
  private volatile long lastHealthyNanos = System.nanoTime();

  /**
   * Why this replica must not serve the feed now, or null. It serves while it follows a leader it
   * heard from within the bound, or leads and heard from a majority within it; once that has not
   * been true for {@code feedLeaderLossBound}, it stops.
   */
  String feedProblem() {
    RaftServer.Division d = division();
    if (d == null) {
      return "replica " + config.id() + " is starting";
    }
    long bound = config.feedLeaderLossBound().toMillis();
    if (connected(d, bound)) {
      lastHealthyNanos = System.nanoTime();
      return null;
    }
    long cutOff = (System.nanoTime() - lastHealthyNanos) / 1_000_000;
    return cutOff <= bound ? null
        : "replica " + config.id() + " (" + d.getInfo().getCurrentRole() + ") has been without a working leader for "
            + cutOff + " ms (bound " + bound + " ms)";
  }

  private static boolean connected(RaftServer.Division d, long boundMillis) {
    RoleInfoProto role = d.getInfo().getRoleInfoProto();
    RaftPeerRole r = role.getRole();
    if (r == RaftPeerRole.LEADER) {
      int fresh = 1;
      for (ServerRpcProto f : role.getLeaderInfo().getFollowerInfoList()) {
        if (f.getLastRpcElapsedTimeMs() <= boundMillis) {
          fresh++;
        }
      }
      return fresh * 2 > d.getGroup().getPeers().size();
    }
    if (r == RaftPeerRole.FOLLOWER) {
      return d.getInfo().getLeaderId() != null && role.getFollowerInfo().hasLeaderInfo()
          && role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs() <= boundMillis;
    }
    return r != RaftPeerRole.CANDIDATE;
  }

  /** Keeps {@link #lastHealthyNanos} fresh while nobody asks for the feed. */
  void startFeedHealthChecks() {
    timer.scheduleWithFixedDelay(() -> {
      try {
        feedProblem();
      } catch (RuntimeException e) {
        LOG.debug("feed health check failed", e);
      }
    }, 250, 250, java.util.concurrent.TimeUnit.MILLISECONDS);
    // Lapsed leases release the commits that waited only for them within ~20 ms.
    timer.scheduleWithFixedDelay(leases::tick, 20, 20, java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  RaftServer.Division division() {
    RaftServer.Division d = division;
    if (d == null) {
      try {
        d = getServer().getNow(null) == null ? null : getServer().getNow(null).getDivision(getGroupId());
      } catch (IOException e) {
        return null;
      }
      division = d;
    }
    return d;
  }

  private byte[] status() {
    RaftServer.Division d = division();
    Wire.Out o = new Wire.Out(256);
    ReplicaStore.Applied a = store.applied();
    TermIndex applied = getLastAppliedTermIndex();
    SnapshotInfo snap = snapshots.getLatestSnapshot();
    o.b(Wire.OK).str(config.id());
    if (d == null) {
      o.str("STARTING").l(0).str("").l(-1);
    } else {
      o.str(d.getInfo().getCurrentRole().name()).l(d.getInfo().getCurrentTerm())
          .str(d.getInfo().getLeaderId() == null ? "" : d.getInfo().getLeaderId().toString())
          .l(d.getRaftLog().getLastCommittedIndex());
    }
    o.l(applied == null ? -1 : applied.getIndex()).l(a.revision()).l(snap == null ? -1 : snap.getIndex())
        .str(config.group());
    String feed = feedProblem();
    o.str(feed == null ? "" : feed);
    Map<String, String> peers = new java.util.LinkedHashMap<>();
    if (d != null) {
      for (RaftPeer p : d.getGroup().getPeers()) {
        peers.put(p.getId().toString(), p.getAddress());
      }
    } else {
      peers.putAll(config.peers());
    }
    o.i(peers.size());
    peers.forEach((k, v) -> o.str(k).str(v));
    MetaStatus.encodeDisk(o, config); // last: older readers stop before it
    return o.bytes();
  }

  /** The change feed's ring ({@link FeedService} serves it). */
  ChangeRing ring() {
    return ring;
  }

  /** The leader's id while this replica is a follower that knows one (for the feed), else null. */
  String leaderElsewhere() {
    RaftServer.Division d = division();
    if (d == null || !d.getInfo().isFollower() || d.getInfo().getLeaderId() == null) {
      return null;
    }
    return d.getInfo().getLeaderId().toString();
  }

  /**
   * True while this replica is the leader and ready: it has applied every entry committed before
   * its term, so its applied revision covers every commit anyone was told is done (lease grants
   * rely on it).
   */
  boolean leading() {
    RaftServer.Division d = division();
    return d != null && d.getInfo().isLeader() && d.getInfo().isLeaderReady();
  }

  /** The last applied log index, -1 before the first. */
  long appliedIndex() {
    TermIndex ti = getLastAppliedTermIndex();
    return ti == null ? -1 : ti.getIndex();
  }

  @Override
  public void close() throws IOException {
    ring.notifyListeners();
    super.close();
  }
}
