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
  private final Map<String, ManagedChannel> channels = new HashMap<>();
  private final Thread thread;
  private final Object lock = new Object();
  private volatile boolean stopped;
  /** The last revision delivered (under {@link #lock}). */
  private long delivered;
  private long lastProgress = -1;
  /** Set when the listener threw: the subscription ends with it. */
  private volatile Throwable listenerFailure;
  private volatile Stream stream;
  private volatile int current;

  /**
   * @param ids replica ids, parallel to {@code addresses} ({@code host:port} of each replica's Ratis port)
   * @param silenceMillis a stream with no message for this long is given up (the replica is stuck)
   */
  RaftWatch(List<String> ids, List<String> addresses, int startAt, long from, WatchListener listener, Tls tls,
            long heartbeatMillis, long silenceMillis) {
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

  /** How one stream ended. */
  private enum End { FAILED, UNAVAILABLE, RESYNC, COMPLETED, SILENT, STOPPED }

  private void run() {
    Throwable cause = null;
    int resyncs = 0;
    int failures = 0;
    try {
      while (!stopped && listenerFailure == null) {
        Stream s = open(current);
        End end = s.await();
        synchronized (lock) {
          s.current = false; // nothing of this stream is delivered from here on
        }
        s.cancel();
        if (stopped || listenerFailure != null) {
          break;
        }
        switch (end) {
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
      s.cancel();
    }
    for (ManagedChannel c : channels.values()) {
      c.shutdownNow();
    }
    if (cause == null) {
      cause = listenerFailure;
    }
    listener.onClose(stopped && listenerFailure == null ? null : cause);
  }

  private Stream open(int index) {
    ManagedChannel ch = channels.computeIfAbsent(addresses.get(index), a -> MetaRpc.channel(a, tls));
    long from;
    synchronized (lock) {
      from = delivered;
    }
    Stream s = new Stream(ch.newCall(FeedService.WATCH, CallOptions.DEFAULT));
    stream = s;
    byte[] request = new Wire.Out(16).l(from).i(-1).i((int) heartbeatMillis).bytes();
    ClientCalls.asyncServerStreamingCall(s.call, request, s);
    return s;
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
    volatile long lastMessageNanos = System.nanoTime();
    volatile boolean progressed;

    Stream(ClientCall<byte[], byte[]> call) {
      this.call = call;
    }

    End await() throws InterruptedException {
      while (true) {
        long silentFor = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastMessageNanos);
        if (ended.await(Math.max(1, silenceMillis - silentFor), TimeUnit.MILLISECONDS)) {
          return end;
        }
        if (stopped) {
          return End.STOPPED;
        }
        if (System.nanoTime() - lastMessageNanos >= TimeUnit.MILLISECONDS.toNanos(silenceMillis)) {
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
      lastMessageNanos = System.nanoTime();
      try {
        Wire.In in = new Wire.In(message);
        byte kind = in.b();
        synchronized (lock) {
          if (!current || stopped) {
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
          if (!stopped && delivered >= head && delivered != lastProgress) {
            lastProgress = delivered;
            long d = delivered;
            deliver(() -> listener.onProgress(d));
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
  }

  static KvClosedException closed() {
    return new KvClosedException("raft:// store is closed");
  }
}
