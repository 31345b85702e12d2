package io.quorumfs.meta;

import io.quorumfs.kv.Capability;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvClosedException;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvLimitException;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvUnavailableException;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.UriQuery;
import io.quorumfs.kv.Versioned;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.util.TimeDuration;

/**
 * {@code raft://host:port,host:port,host:port} - the metadata quorum as a {@link KvStore}.
 *
 * <ul>
 *   <li>Commits go to the leader's Commit RPC ({@link LeaderCommitClient}, {@link CommitService}),
 *       which batches txns of all clients into one log entry; the replicas dedupe a resend by the
 *       client's (id, seq). When no quorum acknowledges within the commit timeout the call throws
 *       {@link KvUnavailableException} and the outcome is unknown.</li>
 *   <li>Reads are linearizable: sent to the leader's Read RPC ({@link ReadService}: ReadIndex on
 *       the leader, leader lease on), following the same {@link LeaderChannel} as the commits, so
 *       a client that started before an election or saw a leader change reads from the leader the
 *       moment either path learns of it. With {@code ?reads=follower} they go to any replica that
 *       has applied at least the newest revision this client has seen (read-your-writes,
 *       monotonic).</li>
 *   <li>{@link #watch} long-polls a replica's change feed ({@link RaftWatch}).</li>
 * </ul>
 */
final class RaftKvStore implements KvStore {

  /** The most compares plus operations one txn may hold. */
  static final int MAX_TXN_SIZE = 100_000;

  private final String uri;
  /** A Ratis client for the test-only reset entry and, before the leader channel knows one, the leader's id. */
  private final RaftClient client;
  /**
   * Stale (follower) reads go through their own client: Ratis orders one client's requests per
   * target server, and a server that is also the leader must not see two orderings from one client.
   */
  private volatile RaftClient staleClient;
  private final List<RaftPeerId> peers;
  private final RaftGroup group;
  private final Options options;
  /** Commits go to the leader's Commit RPC, batched there. */
  private final LeaderCommitClient leaderCommits;
  /** Where the leader is: shared by the leader commits and the linearizable reads. */
  private final LeaderChannel leader;
  private final LeaderReads leaderReads;
  private final RaftPeerId initialLeader;
  private final AtomicLong seenRevision = new AtomicLong();
  private volatile boolean closed;

  /**
   * Parsed {@code raft://} query parameters, with their defaults. {@code batchTxns} bounds the txns
   * of one Commit RPC, {@code inflight} the Commit RPCs one client has outstanding.
   */
  record Options(String group, Duration timeout, Duration requestTimeout, boolean followerReads,
                 int batchTxns, int inflight, long pollWaitMillis, Tls tls, String feed, boolean leases) {

    static Options parse(String uri) {
      String group = "meta";
      Duration timeout = Duration.ofSeconds(15);
      Duration request = Duration.ofSeconds(4);
      boolean follower = false;
      int batch = 512;
      int inflight = 4;
      long poll = 1000;
      String keyStore = null;
      String trustStore = null;
      String passwordEnv = null;
      String password = null;
      String feed = "leader";
      boolean leases = true;
      for (Map.Entry<String, String> param : UriQuery.of(uri).asMap().entrySet()) {
        String k = param.getKey();
        String v = param.getValue();
        try {
          switch (k) {
            case "group" -> group = v;
            case "timeout" -> timeout = duration(v);
            case "requestTimeout" -> request = duration(v);
            case "reads" -> {
              if (!v.equals("linearizable") && !v.equals("follower")) {
                throw new IllegalArgumentException("reads must be linearizable or follower, got '" + v + "'");
              }
              follower = v.equals("follower");
            }
            case "lingerMicros" -> throw new IllegalArgumentException("raft:// parameter 'lingerMicros' is not a"
                + " client setting: the leader batches commits, so set its wait on the replicas"
                + " (--group-commit lingerMicros=N) and drop it from the URI");
            case "batch" -> batch = Integer.parseInt(v);
            case "inflight" -> inflight = Integer.parseInt(v);
            case "pollMillis" -> poll = Long.parseLong(v);
            case "tlsKeyStore" -> keyStore = v;
            case "tlsTrustStore" -> trustStore = v;
            case "tlsPasswordEnv" -> passwordEnv = v;
            case "tlsPassword" -> password = v;
            case "commit" -> {
              if (!v.equals("leader")) {
                throw new IllegalArgumentException("raft:// parameter 'commit=" + v + "' is not supported: commits"
                    + " always go to the leader, which batches them (commit=leader, the default); drop the parameter");
              }
            }
            case "lease" -> {
              if (!v.equals("on") && !v.equals("off")) {
                throw new IllegalArgumentException("lease must be on or off, got '" + v + "'");
              }
              leases = v.equals("on");
            }
            case "feed" -> {
              if (!v.equals("leader") && !v.equals("follower") && !v.equals("any")) {
                throw new IllegalArgumentException("feed must be leader, follower or any, got '" + v + "'");
              }
              feed = v;
            }
            default -> throw new IllegalArgumentException("unknown raft:// parameter '" + k
                + "'; known: group, timeout, requestTimeout, reads, batch, inflight, pollMillis,"
                + " tlsKeyStore, tlsTrustStore, tlsPasswordEnv, tlsPassword, feed, commit, lease");
          }
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("raft:// parameter '" + k + "' has a bad number '" + v + "'");
        }
      }
      if (batch < 1 || inflight < 1 || poll < 0) {
        throw new IllegalArgumentException("raft:// batch and inflight must be >= 1, pollMillis >= 0");
      }
      return new Options(group, timeout, request, follower, batch, inflight, poll,
          Tls.of(keyStore, trustStore, passwordEnv, password), feed, leases);
    }

    private static Duration duration(String v) {
      String s = v.trim().toLowerCase(java.util.Locale.ROOT);
      if (s.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(s.substring(0, s.length() - 2)));
      }
      if (s.endsWith("s")) {
        return Duration.ofMillis((long) (Double.parseDouble(s.substring(0, s.length() - 1)) * 1000));
      }
      throw new IllegalArgumentException("duration '" + v + "' must end in ms or s");
    }
  }

  RaftKvStore(String uri) {
    this.uri = Objects.requireNonNull(uri, "uri");
    List<String> addresses = RaftEndpoints.parseAddresses(uri);
    this.options = Options.parse(uri);
    RaftEndpoints.Discovery found;
    try (RaftEndpoints ep = new RaftEndpoints(addresses, options.group(), options.requestTimeout(), options.tls())) {
      found = ep.discover(addresses, System.nanoTime() + options.timeout().toNanos());
    }
    Map<String, String> ids = found.peers();
    this.initialLeader = found.leaderId() == null ? null : RaftPeerId.valueOf(found.leaderId());
    this.group = RaftSettings.group(options.group(), ids);
    this.peers = new ArrayList<>();
    ids.keySet().forEach(id -> peers.add(RaftPeerId.valueOf(id)));
    this.client = newClient();
    this.leader = new LeaderChannel(new ArrayList<>(ids.values()),
        found.leaderId() == null ? null : ids.get(found.leaderId()), options.tls());
    this.leaderReads = new LeaderReads(uri, leader, options.timeout().toMillis(), options.requestTimeout().toMillis(),
        this::checkOpen);
    this.leaderCommits = new LeaderCommitClient(uri, leader,
        options.timeout().toMillis(), options.requestTimeout().toMillis(), options.inflight(),
        Math.min(options.batchTxns(), MetaServerConfig.GroupCommit.DEFAULTS.maxTxns()));
  }

  private RaftClient newClient() {
    return RaftEndpoints.newClient(group, RaftSettings.client(options.requestTimeout()), retryPolicy(), initialLeader,
        options.tls());
  }

  /** Bounded: enough attempts to ride out an election within the call's timeout, then give up. */
  private RetryPolicy retryPolicy() {
    long sleepMs = 100;
    int attempts = (int) Math.max(3, options.timeout().toMillis() / sleepMs);
    return RetryPolicies.retryUpToMaximumCountWithFixedSleep(attempts,
        TimeDuration.valueOf(sleepMs, TimeUnit.MILLISECONDS));
  }

  private static byte[] content(RaftClientReply r) {
    if (!r.isSuccess()) {
      throw new KvUnavailableException("raft request failed: " + r.getException());
    }
    return r.getMessage().getContent().toByteArray();
  }

  @Override
  public Versioned get(byte[] key) {
    return getAll(List.of(key)).get(0);
  }

  @Override
  public List<Versioned> getAll(List<byte[]> keys) {
    checkOpen();
    keys.forEach(RaftKvStore::checkKey);
    if (keys.isEmpty()) {
      return List.of();
    }
    Wire.Out o = new Wire.Out(16 + 32 * keys.size());
    o.b(Wire.GET).i(keys.size());
    for (byte[] k : keys) {
      checkKey(k);
      o.bytes(k);
    }
    byte[] reply = read(o.bytes(), "get of " + keys.size() + " keys");
    try {
      Wire.In in = okReply(reply);
      int n = in.count();
      List<Versioned> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        long version = in.l();
        byte[] value = in.bytes();
        out.add(version == 0 ? Versioned.absent(keys.get(i)) : new Versioned(keys.get(i), value, version));
      }
      return out;
    } catch (Wire.MalformedException e) {
      throw new KvException("unreadable get reply from " + uri + ": " + e.getMessage());
    }
  }

  private static void checkKey(byte[] k) {
    Objects.requireNonNull(k, "key");
    if (k.length == 0) {
      throw new IllegalArgumentException("key must not be empty");
    }
    if (k.length > MAX_KEY_BYTES) {
      throw new IllegalArgumentException("key of " + k.length + " bytes exceeds the limit of " + MAX_KEY_BYTES);
    }
  }

  @Override
  public ScanPage scan(KeyRange range, int limit, byte[] after) {
    Objects.requireNonNull(range, "range");
    if (limit <= 0) {
      throw new IllegalArgumentException("scan limit must be > 0, got " + limit);
    }
    checkOpen();
    List<Versioned> out = new ArrayList<>(Math.min(limit, 1024));
    byte[] cursor = after;
    boolean more;
    do {
      byte[] q = new Wire.Out(64).b(Wire.SCAN).bytes(range.start()).bytes(range.end())
          .i(limit - out.size()).bytes(cursor).bytes();
      try {
        Wire.In in = okReply(read(q, "scan of " + range));
        more = in.b() != 0;
        int n = in.count();
        for (int i = 0; i < n; i++) {
          byte[] key = in.bytes();
          long version = in.l();
          out.add(new Versioned(key, in.bytes(), version));
        }
        if (n == 0) {
          break;
        }
        cursor = out.get(out.size() - 1).key();
      } catch (Wire.MalformedException e) {
        throw new KvException("unreadable scan reply from " + uri + ": " + e.getMessage());
      }
    } while (more && out.size() < limit);
    return new ScanPage(out, more);
  }

  @Override
  public CommitResult commit(Txn txn) {
    Objects.requireNonNull(txn, "txn");
    checkOpen();
    if (txn.size() > MAX_TXN_SIZE) {
      throw new KvLimitException("txn of " + txn.size() + " compares and operations exceeds the raft:// limit of "
          + MAX_TXN_SIZE);
    }
    CommitResult r = leaderCommits.commit(txn);
    if (r.ok()) {
      seenRevision.accumulateAndGet(r.revision(), Math::max);
      // The leader may have answered before our own feeds had it: they are not coherent until
      // they deliver it, so a read that starts after this commit returns sees a prefix of the log.
      synchronized (watches) {
        for (RaftWatch w : watches) {
          if (!w.ended()) {
            w.ownCommit(r.revision());
          }
        }
      }
    }
    return r;
  }

  /** Tests only: deletes every key of the cluster and its feed history ({@link Wire#RESET}). */
  void resetForTests() {
    checkOpen();
    byte[] reply = await(client.async().send(MetaStateMachine.message(new byte[] {Wire.RESET}))
        .thenApply(RaftKvStore::content), "reset");
    if (reply.length != 1 || reply[0] != Wire.OK) {
      throw new KvException("reset refused");
    }
  }

  @Override
  public long revision() {
    checkOpen();
    try {
      long rev = okReply(read(new byte[] {Wire.REVISION}, "revision")).l();
      seenRevision.accumulateAndGet(rev, Math::max);
      return rev;
    } catch (Wire.MalformedException e) {
      throw new KvException("unreadable revision reply from " + uri + ": " + e.getMessage());
    }
  }

  private byte[] read(byte[] query, String what) {
    return options.followerReads() ? followerRead(query, what) : leaderReads.read(query, what);
  }

  /**
   * A follower read ({@code ?reads=follower}) on a random replica, retried until the call's
   * timeout while that replica cannot answer yet.
   */
  private byte[] followerRead(byte[] query, String what) {
    long deadline = System.nanoTime() + options.timeout().toNanos();
    long backoffMs = 10;
    while (true) {
      CompletableFuture<byte[]> f = sendFollowerRead(query);
      try {
        return f.get(Math.max(1, (deadline - System.nanoTime()) / 1_000_000) + options.requestTimeout().toMillis(),
            TimeUnit.MILLISECONDS);
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        boolean retriable = !closed && !(c instanceof IllegalArgumentException) && !(c instanceof KvClosedException);
        if (!retriable || System.nanoTime() + backoffMs * 1_000_000 >= deadline) {
          return await(f, what);
        }
      } catch (TimeoutException e) {
        f.cancel(false);
        throw new KvUnavailableException(what + " on " + uri + " got no answer from a quorum within "
            + options.timeout().toMillis() + " ms (is a majority of replicas up?)");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KvUnavailableException(what + " on " + uri + " interrupted");
      }
      try {
        Thread.sleep(backoffMs); // retry back-off; the deadline bounds the loop
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KvUnavailableException(what + " on " + uri + " interrupted");
      }
      backoffMs = Math.min(200, backoffMs * 2);
    }
  }

  private CompletableFuture<byte[]> sendFollowerRead(byte[] query) {
    RaftPeerId peer = peers.get(ThreadLocalRandom.current().nextInt(peers.size()));
    // Ratis refuses (rather than waits) when the replica's commit index is behind, so the
    // replica waits for the index itself.
    byte[] at = new Wire.Out(query.length + 9).b(Wire.AT_INDEX).l(Revisions.index(seenRevision.get())).bytes();
    byte[] msg = java.util.Arrays.copyOf(at, at.length + query.length);
    System.arraycopy(query, 0, msg, at.length, query.length);
    return staleClient().async().sendStaleRead(MetaStateMachine.message(msg), -1, peer)
        .thenApply(RaftKvStore::content);
  }

  private <T> T await(CompletableFuture<T> f, String what) {
    long budget = options.timeout().toMillis() + options.requestTimeout().toMillis();
    try {
      return f.get(budget, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      f.cancel(false);
      throw new KvUnavailableException(what + " on " + uri + " got no answer from a quorum within "
          + budget + " ms (is a majority of replicas up?)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KvUnavailableException(what + " on " + uri + " interrupted");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof java.util.concurrent.CompletionException && c.getCause() != null) {
        c = c.getCause();
      }
      if (c instanceof IllegalArgumentException iae) {
        throw new IllegalArgumentException(iae.getMessage(), iae);
      }
      if (c instanceof KvException k) {
        if (k instanceof KvClosedException) {
          throw new KvClosedException(k.getMessage());
        }
        throw k instanceof KvUnavailableException ? new KvUnavailableException(k.getMessage(), k)
            : new KvException(k.getMessage(), k);
      }
      throw new KvUnavailableException(what + " on " + uri + " failed: " + c, c);
    }
  }

  private Wire.In okReply(byte[] reply) throws Wire.MalformedException {
    Wire.In in = new Wire.In(reply);
    if (in.b() != Wire.OK) {
      throw new KvException("replica refused: " + in.str());
    }
    return in;
  }

  @Override
  public Watch watch(long fromRevision, WatchListener listener) {
    return watch(fromRevision, listener, System::nanoTime);
  }

  /** {@link #watch(long, WatchListener)} whose lease is timed by {@code nanos} (tests: a fake clock). */
  Watch watch(long fromRevision, WatchListener listener, java.util.function.LongSupplier nanos) {
    if (fromRevision < 0) {
      throw new IllegalArgumentException("fromRevision must be >= 0, got " + fromRevision);
    }
    Objects.requireNonNull(listener, "listener");
    checkOpen();
    List<String> ids = new ArrayList<>();
    List<String> addresses = new ArrayList<>();
    for (RaftPeerId p : peers) {
      ids.add(p.toString());
      addresses.add(group.getPeer(p).getAddress());
    }
    int start = RaftWatch.startAt(peers, leaderId(), options.feed());
    long heartbeat = Math.max(250, options.pollWaitMillis());
    RaftWatch w = new RaftWatch(ids, addresses, start, fromRevision, seen(listener), options.tls(), heartbeat,
        Math.max(options.requestTimeout().toMillis(), 3 * heartbeat), options.feed().equals("leader"),
        options.leases() && options.feed().equals("leader") ? leaseSession() : null, nanos);
    synchronized (watches) {
      checkOpen();
      watches.removeIf(RaftWatch::ended); // a client that re-subscribes often must not pile them up
      watches.add(w);
    }
    w.start();
    return w;
  }

  private final List<RaftWatch> watches = new ArrayList<>();

  /** How many watches this store still keeps (tests: closed ones are forgotten). */
  int watchCount() {
    synchronized (watches) {
      return watches.size();
    }
  }

  /**
   * A new lease session id, named after this client's commit id, so the leader answers this
   * client's own commits without waiting for its leases ({@link #commit}).
   */
  private String leaseSession() {
    return LeaderCommitClient.sessionPrefix(leaderCommits.id()) + java.util.UUID.randomUUID();
  }

  /**
   * Counts what the feed delivers as seen before the listener hears of it, so a follower read
   * ({@code ?reads=follower}) is answered by a replica at least as far as this client's feed: a
   * cache stamps a value it loads as current as of its feed position.
   */
  private WatchListener seen(WatchListener listener) {
    return new WatchListener() {
      @Override
      public void onEvent(ChangeEvent event) {
        seenRevision.accumulateAndGet(event.revision(), Math::max);
        listener.onEvent(event);
      }

      @Override
      public void onResync(long revision) {
        seenRevision.accumulateAndGet(revision, Math::max);
        listener.onResync(revision);
      }

      @Override
      public void onProgress(long revision) {
        seenRevision.accumulateAndGet(revision, Math::max);
        listener.onProgress(revision);
      }

      @Override
      public void onClose(Throwable cause) {
        listener.onClose(cause);
      }
    };
  }

  @Override
  public int maxTxnSize() {
    return MAX_TXN_SIZE;
  }

  /** CONFIGURABLE_HISTORY: the replicas' feed ring is bounded by {@code MetaServerConfig.feedEvents}. */
  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.PERSISTENT, Capability.WATCH_HISTORY, Capability.LARGE_VALUES, Capability.SHARED,
        Capability.CONFIGURABLE_HISTORY, Capability.LEASED_FEED);
  }

  /** The replica id of the leader this client believes in (its {@link LeaderChannel}), or null. */
  private RaftPeerId leaderId() {
    String target = leader.target();
    for (RaftPeerId p : peers) {
      if (group.getPeer(p).getAddress().equals(target)) {
        return p;
      }
    }
    return client.getLeaderId();
  }

  /** The replica ids this client found, in peer-list order. */
  List<RaftPeerId> peers() {
    return List.copyOf(peers);
  }

  /** For tests and tools: the digest and applied position of one replica, read from it directly. */
  String digestOf(RaftPeerId peer) {
    try {
      RaftClientReply r = staleClient().async().sendStaleRead(MetaStateMachine.message(new byte[] {Wire.DIGEST}), -1, peer)
          .get(options.requestTimeout().toMillis() * 2, TimeUnit.MILLISECONDS);
      Wire.In in = okReply(content(r));
      long applied = in.l();
      long rev = in.l();
      long keys = in.l();
      return "keys=" + keys + " sha256=" + in.str() + " (applied " + applied + ", revision " + rev + ")";
    } catch (Exception e) {
      throw new KvUnavailableException("digest from " + peer + " failed: " + e, e);
    }
  }

  private RaftClient staleClient() {
    RaftClient c = staleClient;
    if (c == null) {
      synchronized (this) {
        c = staleClient;
        if (c == null) {
          checkOpen();
          c = RaftEndpoints.newClient(group, RaftSettings.client(options.requestTimeout()), retryPolicy(), null,
              options.tls());
          staleClient = c;
        }
      }
    }
    return c;
  }

  private void checkOpen() {
    if (closed) {
      throw new KvClosedException("raft:// store " + uri + " is closed");
    }
  }

  @Override
  public void close() {
    List<RaftWatch> ws;
    synchronized (watches) {
      if (closed) {
        return;
      }
      closed = true;
      ws = new ArrayList<>(watches);
      watches.clear();
    }
    ws.forEach(RaftWatch::close);
    leaderCommits.close();
    leader.close();
    try {
      client.close();
      RaftClient c = staleClient;
      if (c != null) {
        c.close();
      }
    } catch (IOException e) {
      // best effort
    }
  }

  static KvLimitException tooBig(int bytes) {
    return new KvLimitException("txn of " + bytes + " bytes exceeds the raft:// limit of "
        + RaftSettings.MAX_MESSAGE_BYTES + " bytes per commit");
  }

  @Override
  public String toString() {
    return uri;
  }
}
