package io.quorumfs.meta;

import io.quorumfs.kv.Change;
import io.quorumfs.kv.ChangeEvent;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCallStreamObserver;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The change feed as a server-streaming gRPC method, {@code quorumfs.meta.Feed/Watch}, on the
 * replica's Ratis port ({@link MetaRpc}).
 *
 * <pre>
 * request     long fromRevision, int maxValueBytes (-1: the replica's own limit), int heartbeatMillis,
 *             [byte flags: 1 = the subscriber prefers the leader]
 * messages    'E' long head, long appliedIndex, int n, n × event   events after the last one sent
 *             'H' long head, long appliedIndex                      heartbeat (sent at once, then when idle)
 *             'R' long resyncTo, long head                          the ring no longer holds fromRevision;
 *                                                                   the stream then completes
 *             'L' bytes leaderId                                    (flag 1, on a follower that knows a
 *                                                                   leader) read from the leader; the
 *                                                                   stream then completes
 * </pre>
 *
 * {@code quorumfs.meta.Feed/Lease} (bidi, on the leader only) is the same stream for a client that
 * holds a cache lease (docs/leases.md): its first message is the request above plus its session
 * id; then it sends {@code 'A' long seq, long revision} (received everything through revision)
 * and {@code 'X'} (gives the lease up). The leader adds {@code 'G' long grantRevision, long
 * leaseNanos} (a lease is granted: usable once the client has received through grantRevision and
 * an acknowledgment was confirmed) and {@code 'K' long seq} (the acknowledgment seq renewed the
 * lease). A lease outlives its stream: it lapses by time unless released. A subscriber that says it
 * has a revision this leader never applied (from its subscription or an acknowledgment), or an
 * acknowledgment of more than the stream sent, is refused: no grant or renewal, and a RESYNC
 * (to the applied revision) ends the stream, so the client drops its cache.
 *
 * <p>The ring pushes: every apply wakes the streams ({@link ChangeRing#addListener}), which send on
 * a small executor while gRPC says the subscriber is ready (flow control); a subscriber that falls
 * behind the ring gets a RESYNC. The stream ends with UNAVAILABLE once the replica has been
 * without a working leader for the feed bound ({@code health} names why).
 */
final class FeedService implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(FeedService.class);

  static final MethodDescriptor<byte[], byte[]> WATCH =
      MetaRpc.method("Feed", "Watch", MethodDescriptor.MethodType.SERVER_STREAMING);
  static final byte EVENTS = 'E';
  static final byte HEARTBEAT = 'H';
  static final byte RESYNC = 'R';
  static final byte LEADER = 'L';
  static final byte PREFER_LEADER = 1;
  static final MethodDescriptor<byte[], byte[]> LEASE =
      MetaRpc.method("Feed", "Lease", MethodDescriptor.MethodType.BIDI_STREAMING);
  static final byte GRANT = 'G';
  static final byte CONFIRM = 'K';
  static final byte ACK = 'A';
  static final byte RELEASE = 'X';

  static final int MAX_EVENTS_PER_MESSAGE = 1000;
  static final int MAX_MESSAGE_BYTES = 1 << 20;
  static final long TICK_MILLIS = 250;

  private final String id;
  private final ChangeRing ring;
  private final Supplier<String> health;
  private final LongSupplier appliedIndex;
  private final Supplier<String> leaderElsewhere;
  private final ExecutorService executor;
  private final ScheduledFuture<?> ticker;
  private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
  private final Runnable wake = () -> streams.forEach(Stream::signal);
  private volatile LeaseTable leases;
  private volatile LongSupplier appliedRevision;
  private volatile java.util.function.BooleanSupplier leading;

  /**
   * @param health why this replica must not serve the feed now, or null
   * @param leaderElsewhere the leader's id when this replica is a follower that knows one, else null
   * @param timer runs the heartbeat / health tick
   */
  FeedService(String id, ChangeRing ring, Supplier<String> health, LongSupplier appliedIndex,
              Supplier<String> leaderElsewhere, ScheduledExecutorService timer) {
    this.leaderElsewhere = leaderElsewhere;
    this.id = id;
    this.ring = ring;
    this.health = health;
    this.appliedIndex = appliedIndex;
    this.executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "meta-" + id + "-feed");
      t.setDaemon(true);
      return t;
    });
    ring.addListener(wake);
    this.ticker = timer.scheduleWithFixedDelay(this::tick, TICK_MILLIS, TICK_MILLIS, TimeUnit.MILLISECONDS);
  }

  /** Serves Feed/Lease from here on, with these leases (the state machine's). */
  void leases(LeaseTable table, LongSupplier appliedRevision, java.util.function.BooleanSupplier leading) {
    this.appliedRevision = appliedRevision;
    this.leading = leading;
    this.leases = table;
  }

  ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder("quorumfs.meta.Feed")
        .addMethod(WATCH, ServerCalls.asyncServerStreamingCall(this::watch))
        .addMethod(LEASE, ServerCalls.asyncBidiStreamingCall(this::lease))
        .build();
  }

  private StreamObserver<byte[]> lease(StreamObserver<byte[]> observer) {
    ServerCallStreamObserver<byte[]> out = (ServerCallStreamObserver<byte[]>) observer;
    java.util.concurrent.atomic.AtomicReference<Stream> opened = new java.util.concurrent.atomic.AtomicReference<>();
    // Handlers may only be set before this method returns; the stream exists after the first message.
    out.setOnCancelHandler(() -> {
      Stream st = opened.get();
      if (st != null) {
        st.cancelled();
      }
    });
    out.setOnReadyHandler(() -> {
      Stream st = opened.get();
      if (st != null) {
        st.signal();
      }
    });
    return new StreamObserver<>() {
      private Stream s;
      private boolean refused;

      @Override
      public void onNext(byte[] message) {
        if (refused) {
          return;
        }
        try {
          if (s == null) {
            s = openLease(message, out);
            refused = s == null;
            opened.set(s);
            return;
          }
          Wire.In in = new Wire.In(message);
          byte kind = in.b();
          if (kind == ACK) {
            s.acked(in.l(), in.l());
          } else if (kind == RELEASE) {
            leases.release(s.session);
          } else {
            throw new Wire.MalformedException("unknown lease message " + kind);
          }
        } catch (Wire.MalformedException e) {
          refused = true;
          if (s != null) {
            s.failure = "malformed lease message: " + e.getMessage();
            s.signal();
          } else {
            out.onError(Status.INVALID_ARGUMENT.withDescription("malformed lease message: " + e.getMessage())
                .asRuntimeException());
          }
        }
      }

      @Override
      public void onError(Throwable t) {
        if (s != null) {
          s.cancelled(); // the lease itself lapses by time
        }
      }

      @Override
      public void onCompleted() {
        if (s != null) {
          s.closeDue = true;
          s.signal();
        }
      }
    };
  }

  /** The request that opens a Watch stream, and the start of a Lease stream's first message. */
  private record Subscribe(long from, int maxValueBytes, long heartbeatNanos, boolean preferLeader) {
    static Subscribe read(Wire.In in) throws Wire.MalformedException {
      long from = in.l();
      int maxValueBytes = in.i();
      long heartbeatMillis = Math.max(TICK_MILLIS, Math.min(in.i(), 60_000));
      boolean preferLeader = in.hasMore() && (in.b() & PREFER_LEADER) != 0;
      if (from < 0) {
        throw new Wire.MalformedException("fromRevision " + from + " is negative");
      }
      return new Subscribe(from, maxValueBytes, TimeUnit.MILLISECONDS.toNanos(heartbeatMillis), preferLeader);
    }
  }

  /** The first message of a Lease stream; null if refused (answered already). */
  private Stream openLease(byte[] request, ServerCallStreamObserver<byte[]> out) throws Wire.MalformedException {
    Wire.In in = new Wire.In(request);
    Subscribe req = Subscribe.read(in);
    String session = in.str();
    if (session.isEmpty()) {
      throw new Wire.MalformedException("a lease stream needs a session id");
    }
    LeaseTable table = leases;
    if (table == null) {
      out.onError(Status.UNIMPLEMENTED.withDescription("replica " + id + " grants no leases").asRuntimeException());
      return null;
    }
    String problem = health.get();
    if (problem != null) {
      out.onError(Status.UNAVAILABLE.withDescription(problem).asRuntimeException());
      return null;
    }
    if (!leading.getAsBoolean()) {
      String leader = leaderElsewhere.get();
      if (leader != null) {
        out.onNext(new Wire.Out(16 + leader.length()).b(LEADER).str(leader).bytes());
        out.onCompleted();
      } else {
        out.onError(Status.UNAVAILABLE.withDescription("replica " + id + " is not a ready leader").asRuntimeException());
      }
      return null;
    }
    Stream s = new Stream(out, req.from(), req.maxValueBytes(), req.heartbeatNanos(), true);
    s.session = session;
    streams.add(s);
    long applied = appliedRevision.getAsLong();
    if (req.from() > applied) { // from a history this leader does not have (e.g. a restored cluster's past)
      s.refuse("subscribed from revision " + req.from() + " but replica " + id + " has applied only " + applied);
      return s;
    }
    table.grant(session, req.from());
    s.grantRevision = appliedRevision.getAsLong(); // read after the grant: covers every commit it does not hold back
    s.grantDue = true;
    s.heartbeatDue = true;
    s.signal();
    return s;
  }

  /** Open streams (for tests and status). */
  int streams() {
    return streams.size();
  }

  private void watch(byte[] request, StreamObserver<byte[]> observer) {
    ServerCallStreamObserver<byte[]> out = (ServerCallStreamObserver<byte[]>) observer;
    Subscribe req;
    try {
      req = Subscribe.read(new Wire.In(request));
    } catch (Wire.MalformedException e) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("malformed feed request: " + e.getMessage())
          .asRuntimeException());
      return;
    }
    String problem = health.get();
    if (problem != null) {
      out.onError(Status.UNAVAILABLE.withDescription(problem).asRuntimeException());
      return;
    }
    Stream s = new Stream(out, req.from(), req.maxValueBytes(), req.heartbeatNanos(), req.preferLeader());
    out.setOnCancelHandler(s::cancelled);
    out.setOnReadyHandler(s::signal);
    streams.add(s);
    if (s.done) {
      streams.remove(s); // cancelled already
      return;
    }
    s.heartbeatDue = true; // the first message says "connected" at once, events or not
    s.redirect = req.preferLeader() ? leaderElsewhere.get() : null;
    s.signal();
  }

  /** Every tick: end the streams when the replica lost its leader; heartbeat the idle ones. */
  private void tick() {
    if (streams.isEmpty()) {
      return;
    }
    String problem;
    String leader = null;
    try {
      problem = health.get();
      leader = problem == null ? leaderElsewhere.get() : null;
    } catch (RuntimeException e) {
      problem = "feed health check failed on " + id + ": " + e;
    }
    long now = System.nanoTime();
    boolean leads = leading != null && leading.getAsBoolean();
    for (Stream s : streams) {
      if (problem != null) {
        s.failure = problem;
      } else if (s.session != null && !leads) {
        s.failure = "replica " + id + " is no longer the leader";
      } else if (leader != null && s.preferLeader) {
        s.redirect = leader;
      } else if (now - s.lastSentNanos >= s.heartbeatNanos) {
        s.heartbeatDue = true;
      } else {
        continue;
      }
      s.signal();
    }
  }

  @Override
  public void close() {
    ticker.cancel(false);
    ring.removeListener(wake);
    for (Stream s : streams) {
      s.failure = "replica " + id + " is shutting down";
      s.signal();
    }
    executor.shutdown();
  }

  /** One subscriber. Sending is serialised by {@link #wip}: one drain at a time, on the executor. */
  private final class Stream {
    private final ServerCallStreamObserver<byte[]> out;
    private final int maxValueBytes;
    private final long heartbeatNanos;
    private final AtomicInteger wip = new AtomicInteger();
    /** The last revision sent (written by the drain only). */
    private volatile long after;
    private volatile long lastSentNanos = System.nanoTime();
    private volatile boolean heartbeatDue;
    private volatile String failure;
    private final boolean preferLeader;
    /** Set when the subscriber prefers the leader and this replica follows a known one. */
    private volatile String redirect;
    private volatile boolean done;
    /** The lease holder's session (Feed/Lease streams), else null. */
    volatile String session;
    volatile long grantRevision;
    volatile boolean grantDue;
    /** The latest acknowledgment that renewed the lease (inbound thread), and the last one confirmed (drain only). */
    private volatile long confirmSeq;
    private long confirmedSeq;
    volatile boolean closeDue;
    /** Why the subscriber is cut off with a RESYNC, or null. */
    private volatile String refused;

    /** Cuts the subscriber off: a RESYNC to the applied revision, then the stream completes. */
    void refuse(String why) {
      LOG.warn("feed subscriber {} on {} cut off with a RESYNC: {}", session, id, why);
      refused = why;
      signal();
    }

    /** The holder received everything through {@code revision} (its acknowledgment {@code seq}). */
    void acked(long seq, long revision) {
      if (refused != null) {
        return;
      }
      long applied = appliedRevision.getAsLong();
      long sent = after;
      if (revision < 0 || revision > applied || revision > sent) {
        // Nothing past what this stream sent was received: a client that says it has it is broken,
        // or holds a history this leader does not have. Its lease is not renewed (it lapses by
        // time: only the client may give it up early) and it is sent a RESYNC.
        refuse("acknowledged revision " + revision + " but this stream sent only through " + sent
            + " (replica " + id + " has applied " + applied + ")");
        return;
      }
      LeaseTable table = leases;
      if (table.ack(session, revision)) {
        confirmSeq = Math.max(confirmSeq, seq);
      } else { // lapsed: a new grant, usable once the holder has caught up with it
        table.grant(session, revision);
        grantRevision = appliedRevision.getAsLong();
        grantDue = true;
      }
      signal();
    }

    Stream(ServerCallStreamObserver<byte[]> out, long from, int maxValueBytes, long heartbeatNanos,
           boolean preferLeader) {
      this.preferLeader = preferLeader;
      this.out = out;
      this.after = from;
      this.maxValueBytes = maxValueBytes;
      this.heartbeatNanos = heartbeatNanos;
    }

    void signal() {
      if (!done && wip.getAndIncrement() == 0) {
        try {
          executor.execute(this::drain);
        } catch (java.util.concurrent.RejectedExecutionException e) {
          cancelled(); // shutting down
        }
      }
    }

    void cancelled() {
      done = true;
      streams.remove(this);
    }

    private void drain() {
      int missed = 1;
      do {
        try {
          step();
        } catch (RuntimeException e) {
          LOG.debug("feed stream on {} failed", id, e);
          if (!done) {
            finish();
            try {
              out.onError(Status.INTERNAL.withDescription("feed on " + id + " failed: " + e).asRuntimeException());
            } catch (RuntimeException ignored) {
              // the call is already gone
            }
          }
        }
        missed = wip.addAndGet(-missed);
      } while (missed != 0);
    }

    private void finish() {
      done = true;
      streams.remove(this);
    }

    private void step() {
      if (done) {
        return;
      }
      String f = failure;
      if (f != null) {
        finish();
        out.onError(Status.UNAVAILABLE.withDescription(f).asRuntimeException());
        return;
      }
      if (refused != null) {
        long head = appliedRevision.getAsLong();
        finish();
        out.onNext(new Wire.Out(17).b(RESYNC).l(head).l(head).bytes());
        out.onCompleted();
        return;
      }
      if (closeDue) {
        finish();
        out.onCompleted();
        return;
      }
      // A CONFIRM must never overtake the GRANT of a lease that lapsed and was granted again before
      // the acknowledgment it confirms: the client would take it as a renewal of its old grant and
      // serve from its cache before receiving the commits acknowledged while the lease was lapsed
      // (a client SIGSTOPped past its lease, resumed). The inbound thread sets grantDue before it
      // records a later acknowledgment's seq, so reading the seq first sees that grant due, or sent.
      long confirm = confirmSeq;
      if (grantDue) {
        grantDue = false;
        send(new Wire.Out(17).b(GRANT).l(grantRevision).l(leases.leaseNanos()).bytes());
      }
      if (confirm > confirmedSeq) {
        confirmedSeq = confirm;
        send(new Wire.Out(9).b(CONFIRM).l(confirm).bytes());
      }
      String r = redirect;
      if (r != null) {
        out.onNext(new Wire.Out(16 + r.length()).b(LEADER).str(r).bytes());
        finish();
        out.onCompleted();
        return;
      }
      while (out.isReady() && !done) {
        ChangeRing.Poll p = ring.poll(after, MAX_EVENTS_PER_MESSAGE);
        if (p.resync()) {
          out.onNext(new Wire.Out(17).b(RESYNC).l(p.resyncTo()).l(p.head()).bytes());
          finish();
          out.onCompleted();
          return;
        }
        if (p.events().isEmpty()) {
          if (heartbeatDue) {
            heartbeatDue = false;
            send(new Wire.Out(17).b(HEARTBEAT).l(p.head()).l(appliedIndex.getAsLong()).bytes());
          }
          return;
        }
        int n = 0;
        long size = 0;
        for (ChangeEvent e : p.events()) {
          if (n > 0 && size >= MAX_MESSAGE_BYTES) {
            break;
          }
          size += Wire.encodedSize(e);
          n++;
        }
        Wire.Out o = new Wire.Out((int) Math.min(size + 32, MAX_MESSAGE_BYTES * 2L))
            .b(EVENTS).l(p.head()).l(appliedIndex.getAsLong()).i(n);
        for (int i = 0; i < n; i++) {
          ChangeEvent e = p.events().get(i);
          Wire.writeEvent(o, limit(e));
          after = e.revision();
        }
        send(o.bytes());
        heartbeatDue = false;
      }
    }

    private void send(byte[] message) {
      out.onNext(message);
      lastSentNanos = System.nanoTime();
    }

    private ChangeEvent limit(ChangeEvent e) {
      if (maxValueBytes < 0) {
        return e;
      }
      boolean over = false;
      for (Change c : e.changes()) {
        over |= c.value() != null && c.value().length > maxValueBytes;
      }
      if (!over) {
        return e;
      }
      java.util.List<Change> cs = new java.util.ArrayList<>(e.changes().size());
      for (Change c : e.changes()) {
        cs.add(c.value() != null && c.value().length > maxValueBytes ? new Change(c.key(), null, c.version(), true) : c);
      }
      return new ChangeEvent(e.revision(), cs);
    }
  }
}
