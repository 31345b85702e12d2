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
 * request     long fromRevision, int maxValueBytes (-1: the replica's own limit), int heartbeatMillis
 * messages    'E' long head, long appliedIndex, int n, n × event   events after the last one sent
 *             'H' long head, long appliedIndex                      heartbeat (sent at once, then when idle)
 *             'R' long resyncTo, long head                          the ring no longer holds fromRevision;
 *                                                                   the stream then completes
 * </pre>
 *
 * The ring pushes: every apply wakes the streams ({@link ChangeRing#addListener}), which send on
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

  static final int MAX_EVENTS_PER_MESSAGE = 1000;
  static final int MAX_MESSAGE_BYTES = 1 << 20;
  static final long TICK_MILLIS = 250;

  private final String id;
  private final ChangeRing ring;
  private final Supplier<String> health;
  private final LongSupplier appliedIndex;
  private final ExecutorService executor;
  private final ScheduledFuture<?> ticker;
  private final Set<Stream> streams = ConcurrentHashMap.newKeySet();
  private final Runnable wake = () -> streams.forEach(Stream::signal);

  /**
   * @param health why this replica must not serve the feed now, or null
   * @param timer runs the heartbeat / health tick
   */
  FeedService(String id, ChangeRing ring, Supplier<String> health, LongSupplier appliedIndex,
              ScheduledExecutorService timer) {
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

  ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder("quorumfs.meta.Feed")
        .addMethod(WATCH, ServerCalls.asyncServerStreamingCall(this::watch))
        .build();
  }

  /** Open streams (for tests and status). */
  int streams() {
    return streams.size();
  }

  private void watch(byte[] request, StreamObserver<byte[]> observer) {
    ServerCallStreamObserver<byte[]> out = (ServerCallStreamObserver<byte[]>) observer;
    long from;
    int maxValueBytes;
    long heartbeatMillis;
    try {
      Wire.In in = new Wire.In(request);
      from = in.l();
      maxValueBytes = in.i();
      heartbeatMillis = Math.max(TICK_MILLIS, Math.min(in.i(), 60_000));
      if (from < 0) {
        throw new Wire.MalformedException("fromRevision " + from + " is negative");
      }
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
    Stream s = new Stream(out, from, maxValueBytes, TimeUnit.MILLISECONDS.toNanos(heartbeatMillis));
    out.setOnCancelHandler(s::cancelled);
    out.setOnReadyHandler(s::signal);
    streams.add(s);
    s.heartbeatDue = true; // the first message says "connected" at once, events or not
    s.signal();
  }

  /** Every tick: end the streams when the replica lost its leader; heartbeat the idle ones. */
  private void tick() {
    if (streams.isEmpty()) {
      return;
    }
    String problem;
    try {
      problem = health.get();
    } catch (RuntimeException e) {
      problem = "feed health check failed on " + id + ": " + e;
    }
    long now = System.nanoTime();
    for (Stream s : streams) {
      if (problem != null) {
        s.failure = problem;
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
    /** The last revision sent (drain only). */
    private long after;
    private volatile long lastSentNanos = System.nanoTime();
    private volatile boolean heartbeatDue;
    private volatile String failure;
    private volatile boolean done;

    Stream(ServerCallStreamObserver<byte[]> out, long from, int maxValueBytes, long heartbeatNanos) {
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
