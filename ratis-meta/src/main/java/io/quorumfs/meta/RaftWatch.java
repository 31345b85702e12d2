package io.quorumfs.meta;

import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.KvClosedException;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ClientCall;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code watch} subscription: a {@link FeedService} stream from one replica, moving to the
 * next replica when the stream fails, ends, falls silent (no heartbeat), or the replica stops
 * serving the feed (no leader) or cannot go back far enough (a RESYNC is delivered only when no
 * replica can). Resumes after the last delivered revision, so there are no gaps or duplicates
 * across replicas: every replica applies the same entries in the same order and so names them
 * with the same revisions.
 *
 * <p>With a session id, the subscription asks the leader for a cache lease (Feed/Lease, docs/leases.md):
 * after each message it delivers it acknowledges the revision it has received, and the leader holds
 * every commit's reply until each valid lease holder has. {@link #coherent()} is true while the
 * lease is valid by this client's clock (counted from when a confirmed acknowledgment was sent,
 * less the drift margin) and everything through the grant's revision was delivered: then every
 * commit acknowledged to anyone has already reached the listener. A replica that grants no leases
 * turns the subscription into a plain watch. The clock is injected ({@link ClientLease.Clock}):
 * a jump forward past the expiry or any step back ends the lease until a new acknowledgment is
 * confirmed.
 *
 * <p>Events are delivered on the gRPC thread of the current stream (one message at a time: a
 * slow listener slows only its own stream, through gRPC flow control); a supervising thread opens
 * streams and moves between replicas. A lock and a per-stream "current" flag make sure an old
 * stream's late messages are never delivered once the watch moved on.
 */
final class RaftWatch implements Watch {

  private static final Logger LOG = LoggerFactory.getLogger(RaftWatch.class);

  private final List<String> ids;
  private final List<String> addresses;
  private final Tls tls;
  private final WatchListener listener;
  private final long heartbeatMillis;
  private final long silenceMillis;
  private final boolean preferLeader;
  /** This subscription's monotonic clock: lease validity, silence, back-off. */
  private final ClientLease.Clock clock;
  /** After a redirect to a leader that did not serve, the leader preference rests until then. */
  private long leaderOffUntilNanos;
  /** RESYNCs in a row (supervisor only): while asking every replica, no leader redirects. */
  private int resyncs;
  private final Map<String, ManagedChannel> channels = new HashMap<>();
  private final Thread thread;
  private final Object lock = new Object();
  private volatile boolean stopped;
  /** Set when the feed thread has finished (closed, or ended by a failure): nothing more comes. */
  private volatile boolean ended;
  /** The last revision delivered: written under {@link #lock}; {@link #coherent} reads it without. */
  private volatile long delivered;
  private long lastProgress = -1;
  /** Set when the listener threw: the subscription ends with it. */
  private volatile Throwable listenerFailure;
  private volatile Stream stream;
  private volatile int current;
  /** The lease session id, or null for a plain watch (also once a replica refused leases). */
  private volatile String session;
  /**
   * The newest revision of this client's own commits (answered without waiting for this lease's
   * acknowledgment): {@link #coherent} is false until it is delivered. Raised by {@link #ownCommit}.
   */
  private final java.util.concurrent.atomic.AtomicLong own = new java.util.concurrent.atomic.AtomicLong();

  /**
   * @param ids replica ids, parallel to {@code addresses} ({@code host:port} of each replica's Ratis port)
   * @param silenceMillis a stream with no message for this long is given up (the replica is stuck)
   * @param preferLeader ask followers to send this watch to the leader (they apply later)
   */
  RaftWatch(List<String> ids, List<String> addresses, int startAt, long from, WatchListener listener, Tls tls,
            long heartbeatMillis, long silenceMillis, boolean preferLeader) {
    this(ids, addresses, startAt, from, listener, tls, heartbeatMillis, silenceMillis, preferLeader, null,
        System::nanoTime);
  }

  /**
   * @param session the lease session id (a lease is asked for from the leader), or null
   * @param nanos a monotonic nanosecond clock (System::nanoTime; tests inject a fake)
   */
  RaftWatch(List<String> ids, List<String> addresses, int startAt, long from, WatchListener listener, Tls tls,
            long heartbeatMillis, long silenceMillis, boolean preferLeader, String session,
            java.util.function.LongSupplier nanos) {
    this.clock = new ClientLease.Clock(nanos);
    this.leaderOffUntilNanos = clock.nanos();
    this.session = session;
    this.preferLeader = preferLeader || session != null;
    this.ids = new ArrayList<>(ids);
    this.addresses = new ArrayList<>(addresses);
    this.current = Math.floorMod(startAt, addresses.size());
    this.delivered = from;
    this.listener = listener;
    this.tls = tls;
    this.heartbeatMillis = heartbeatMillis;
    this.silenceMillis = silenceMillis;
    this.thread = new Thread(this::run, "raft-watch");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  /**
   * Which replica a new watch reads from first: the leader (it applies an entry first; a follower
   * learns the commit index only with the next AppendEntries), a follower (off-loads the leader), or
   * any (random).
   */
  static int startAt(List<RaftPeerId> peers, RaftPeerId leader, String feed) {
    int random = java.util.concurrent.ThreadLocalRandom.current().nextInt(peers.size());
    int l = leader == null ? -1 : peers.indexOf(leader);
    if (l < 0 || feed.equals("any") || peers.size() == 1) {
      return random;
    }
    return feed.equals("leader") ? l : (l + 1 + random % (peers.size() - 1)) % peers.size();
  }

  /** How one stream ended. */
  private enum End { FAILED, UNAVAILABLE, RESYNC, LEADER, COMPLETED, SILENT, STOPPED }

  private void run() {
    Throwable cause = null;
    int failures = 0;
    boolean redirected = false;
    try {
      while (!stopped && listenerFailure == null) {
        Stream s = open(current);
        boolean wasRedirected = redirected;
        redirected = false;
        End end = s.await();
        synchronized (lock) {
          s.current = false; // nothing of this stream is delivered from here on
        }
        s.cancel();
        if (stopped || listenerFailure != null) {
          break;
        }
        if (wasRedirected && !s.progressed) {
          // The leader a follower named did not serve us: stay with followers for a while.
          leaderOffUntilNanos = clock.nanos() + LEADER_OFF_NANOS;
        }
        if (s.leaseRefused) {
          LOG.info("replica {} grants no cache leases: plain change feed, reads take barriers", ids.get(current));
          session = null;
          continue;
        }
        switch (end) {
          case LEADER -> {
            int to = ids.indexOf(s.leader);
            if (to >= 0 && to != current) {
              current = to;
              redirected = true;
            } else {
              leaderOffUntilNanos = clock.nanos() + LEADER_OFF_NANOS;
            }
          }
          case RESYNC -> {
            failures = 0;
            if (++resyncs < addresses.size()) {
              next(0); // another replica may still hold the history
              continue;
            }
            resyncs = 0;
            synchronized (lock) {
              if (stopped) {
                break;
              }
              delivered = s.resyncTo;
              lastProgress = -1;
              deliver(() -> listener.onResync(s.resyncTo));
            }
          }
          default -> {
            if (s.progressed) {
              failures = 0;
              resyncs = 0;
            }
            failures++;
            LOG.debug("feed stream from {} ended ({}: {}); moving on", ids.get(current), end, s.problem);
            next(failures);
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException | Error e) {
      cause = e;
    }
    Stream s = stream;
    if (s != null) {
      synchronized (lock) {
        s.current = false;
      }
      boolean interrupted = Thread.interrupted(); // close() interrupts us; the release may still wait
      try {
        s.release();
      } catch (InterruptedException e) {
        interrupted = true;
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      s.cancel();
    }
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
    }
    if (listenerFailure != null) {
      cause = listenerFailure;
    }
    ended = true;
    listener.onClose(stopped && listenerFailure == null ? null : cause);
  }

  /** True once this watch has closed or ended by itself: its owner may forget it. */
  boolean ended() {
    return ended || stopped;
  }

  private Stream open(int index) {
    ManagedChannel ch = channels.computeIfAbsent(addresses.get(index), a -> MetaRpc.channel(a, tls));
    long from;
    synchronized (lock) {
      from = delivered;
    }
    String lease = session;
    Stream s = new Stream(ch.newCall(lease != null ? FeedService.LEASE : FeedService.WATCH, CallOptions.DEFAULT));
    stream = s;
    long now = clock.nanos();
    // A rest longer than it was set for means the clock went back: it is over.
    boolean leader = preferLeader && resyncs == 0
        && (now - leaderOffUntilNanos >= 0 || leaderOffUntilNanos - now > LEADER_OFF_NANOS);
    if (lease != null) {
      s.requests = ClientCalls.asyncBidiStreamingCall(s.call, s);
      s.send(new Wire.Out(40 + lease.length()).l(from).i(-1).i((int) Math.min(heartbeatMillis, LEASE_HEARTBEAT_MILLIS))
          .b(FeedService.PREFER_LEADER).str(lease).bytes());
      return s;
    }
    byte[] request = new Wire.Out(17).l(from).i(-1).i((int) heartbeatMillis)
        .b(leader ? FeedService.PREFER_LEADER : 0).bytes();
    ClientCalls.asyncServerStreamingCall(s.call, request, s);
    return s;
  }

  /** How long the leader preference rests after a leader did not serve. */
  private static final long LEADER_OFF_NANOS = TimeUnit.SECONDS.toNanos(30);

  /** Heartbeats on a lease stream (each one acknowledged: the lease's renewal) well within the lease. */
  private static final long LEASE_HEARTBEAT_MILLIS = 250;

  /**
   * True if every commit acknowledged to any client before this call has already been delivered to
   * the listener: the lease is valid by this client's clock and the grant's revision delivered.
   */
  @Override
  public boolean coherent() {
    Stream s = stream;
    if (s == null || !s.current || s.end != null) {
      return false;
    }
    long g = s.lease.grantRevision();
    return g >= 0 && delivered >= g && s.lease.valid() && ownDelivered();
  }

  /**
   * A commit of this client was answered at {@code revision}, perhaps before this feed delivered it
   * (the leader does not wait for a committer's own lease): until it is delivered, this watch is
   * not {@link #coherent}. Called before the commit returns to its caller.
   */
  void ownCommit(long revision) {
    own.accumulateAndGet(revision, Math::max);
  }

  /** How long {@link #coherent} waits for the feed to deliver this client's own latest commit. */
  static final long OWN_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /**
   * True once the feed has delivered this client's latest own commit (and so every revision before
   * it). The feed sends it when the leader applies it, as the commit's reply leaves, so this
   * normally waits a fraction of a millisecond, and at most {@link #OWN_WAIT_NANOS}.
   */
  private boolean ownDelivered() {
    long o = own.get();
    if (delivered >= o) {
      return true;
    }
    long deadline = System.nanoTime() + OWN_WAIT_NANOS;
    synchronized (delivery) {
      waiting++; // before reading delivered: a delivery either is seen here or sees us waiting
      try {
        while (delivered < o) {
          long left = deadline - System.nanoTime();
          if (left <= 0 || stopped) {
            return false;
          }
          TimeUnit.NANOSECONDS.timedWait(delivery, left);
        }
        return true;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      } finally {
        waiting--;
      }
    }
  }

  /** Notified when {@link #delivered} advances while {@link #waiting} (by {@link #ownDelivered}). */
  private final Object delivery = new Object();
  private volatile int waiting;

  private void advanced() {
    synchronized (delivery) {
      delivery.notifyAll();
    }
  }

  private void next(int failures) throws InterruptedException {
    current = (current + 1) % addresses.size();
    if (failures >= addresses.size()) {
      Thread.sleep(Math.min(1000, 50L * failures)); // every replica failed in a row: back off
    }
  }

  /** Calls the listener; a throw ends the subscription with it. Under {@link #lock}. */
  private void deliver(Runnable call) {
    try {
      call.run();
    } catch (RuntimeException | Error e) {
      listenerFailure = e;
      throw new ListenerFailed();
    }
  }

  private static final class ListenerFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    ListenerFailed() {
      super(null, null, false, false);
    }
  }

  /** One feed stream from one replica. */
  private final class Stream implements StreamObserver<byte[]> {
    final ClientCall<byte[], byte[]> call;
    final CountDownLatch ended = new CountDownLatch(1);
    volatile boolean current = true;
    volatile End end;
    volatile String problem;
    volatile long resyncTo = -1;
    volatile String leader;
    volatile long lastMessageNanos = clock.nanos();
    volatile boolean progressed;
    /** Lease streams: the request side, and the lease by this client's clock. */
    volatile StreamObserver<byte[]> requests;
    final ClientLease lease = new ClientLease(clock);
    volatile boolean leaseRefused;

    synchronized void send(byte[] message) {
      try {
        requests.onNext(message);
      } catch (RuntimeException e) {
        LOG.debug("lease stream send failed", e);
      }
    }

    /** Acknowledges everything delivered so far (renews the lease once the leader confirms it). */
    synchronized void ack(long revision) {
      send(new Wire.Out(17).b(FeedService.ACK).l(lease.acknowledging()).l(revision).bytes());
    }

    /**
     * Gives the lease up (the listener gets nothing more: the caller made this stream not current)
     * and half-closes, then waits (bounded) for the leader to end the stream: a RELEASE lost to a
     * cancel would leave the lease to lapse by time, holding every commit back meanwhile.
     */
    void release() throws InterruptedException {
      StreamObserver<byte[]> r = requests;
      if (r == null || ended.getCount() == 0) {
        return;
      }
      send(new Wire.Out(1).b(FeedService.RELEASE).bytes());
      synchronized (this) {
        try {
          r.onCompleted();
        } catch (RuntimeException e) {
          return;
        }
      }
      ended.await(1, TimeUnit.SECONDS);
    }

    Stream(ClientCall<byte[], byte[]> call) {
      this.call = call;
    }

    End await() throws InterruptedException {
      while (true) {
        long now = clock.nanos();
        if (now - lastMessageNanos < 0) {
          lastMessageNanos = now; // the clock went back: the silence is counted from here
        }
        long silentFor = TimeUnit.NANOSECONDS.toMillis(now - lastMessageNanos);
        if (ended.await(Math.max(1, silenceMillis - silentFor), TimeUnit.MILLISECONDS)) {
          return end;
        }
        if (stopped) {
          return End.STOPPED;
        }
        if (clock.nanos() - lastMessageNanos >= TimeUnit.MILLISECONDS.toNanos(silenceMillis)) {
          problem = "no message for " + silenceMillis + " ms";
          return End.SILENT;
        }
      }
    }

    void cancel() {
      if (ended.getCount() > 0) {
        call.cancel("watch moved on", null);
      }
    }

    private void ended(End how, String why) {
      if (end == null) {
        end = how;
        problem = why;
      }
      ended.countDown();
    }

    @Override
    public void onNext(byte[] message) {
      lastMessageNanos = clock.nanos();
      try {
        Wire.In in = new Wire.In(message);
        byte kind = in.b();
        synchronized (lock) {
          if (!current || stopped) {
            return;
          }
          if (kind == FeedService.LEADER) {
            leader = in.str();
            ended(End.LEADER, "the leader is " + leader);
            return;
          }
          if (kind == FeedService.CONFIRM) {
            lease.confirmed(in.l());
            return;
          }
          if (kind == FeedService.GRANT) {
            lease.granted(in.l(), in.l());
            ack(delivered);
            return;
          }
          progressed = true;
          if (kind == FeedService.RESYNC) {
            resyncTo = in.l();
            ended(End.RESYNC, "resync to " + resyncTo);
            return;
          }
          long head = in.l();
          in.l(); // applied index
          int n = kind == FeedService.EVENTS ? in.count() : 0;
          for (int i = 0; i < n && !stopped; i++) {
            ChangeEvent e = Wire.readEvent(in);
            if (e.revision() <= delivered) {
              continue;
            }
            deliver(() -> listener.onEvent(e));
            delivered = e.revision();
          }
          if (n > 0 && waiting > 0) {
            advanced();
          }
          if (!stopped && delivered >= head && delivered != lastProgress) {
            lastProgress = delivered;
            long d = delivered;
            deliver(() -> listener.onProgress(d));
          }
          if (requests != null && !stopped) {
            ack(delivered); // after the listener has the events: the leader may then acknowledge their commits
          }
        }
      } catch (Wire.MalformedException e) {
        ended(End.FAILED, "unreadable feed message: " + e.getMessage());
        call.cancel("unreadable feed message", null);
      } catch (ListenerFailed e) {
        ended(End.FAILED, "listener threw");
        call.cancel("listener threw", null);
      }
    }

    @Override
    public void onError(Throwable t) {
      String d = t.getMessage();
      leaseRefused = requests != null && d != null && d.startsWith("UNIMPLEMENTED");
      ended(d != null && d.startsWith("UNAVAILABLE") ? End.UNAVAILABLE : End.FAILED, d);
    }

    @Override
    public void onCompleted() {
      ended(End.COMPLETED, "stream completed");
    }
  }

  /** The replica this subscription currently reads from. */
  String currentPeer() {
    return ids.get(current);
  }

  @Override
  public void close() {
    stopped = true;
    thread.interrupt();
    if (session != null && Thread.currentThread() != thread) {
      try {
        thread.join(2000); // the lease is given up on the way out: commits need not wait for it to lapse
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static KvClosedException closed() {
    return new KvClosedException("raft:// store is closed");
  }
}
