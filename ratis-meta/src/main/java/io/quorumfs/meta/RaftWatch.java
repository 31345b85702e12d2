package io.quorumfs.meta;

import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.KvClosedException;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One {@code watch} subscription: a long-poll loop against one replica ("events after r, wait up
 * to T"), moving to the next replica when this one fails, stops serving the feed (no leader) or
 * cannot go back far enough (a RESYNC is delivered only when no replica can). Resumes from the
 * last delivered revision, so there are no gaps or duplicates across replicas: every replica
 * applies the same entries in the same order and so names them with the same revisions.
 *
 * <p>Owns its own RaftClient: Ratis delivers replies to one client in order, and a long poll must
 * not hold up the store's commits and reads.
 */
final class RaftWatch implements Watch {

  private static final Logger LOG = LoggerFactory.getLogger(RaftWatch.class);

  private final RaftClient client;
  private final List<RaftPeerId> peers;
  private final WatchListener listener;
  private final long pollWaitMillis;
  private final long requestTimeoutMillis;
  private final Thread thread;
  private volatile boolean stopped;
  private long delivered;
  private volatile int current;

  RaftWatch(RaftClient client, List<RaftPeerId> peers, int startAt, long from, WatchListener listener,
            long pollWaitMillis, long requestTimeoutMillis) {
    this.client = client;
    this.peers = new ArrayList<>(peers);
    this.current = Math.floorMod(startAt, peers.size());
    this.delivered = from;
    this.listener = listener;
    this.pollWaitMillis = pollWaitMillis;
    this.requestTimeoutMillis = requestTimeoutMillis;
    this.thread = new Thread(this::run, "raft-watch");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  private void run() {
    Throwable cause = null;
    int resyncs = 0;
    int failures = 0;
    long lastProgress = -1;
    try {
      while (!stopped) {
        RaftPeerId peer = peers.get(current);
        byte[] reply;
        try {
          byte[] q = new Wire.Out(24).b(Wire.WATCH).l(delivered).i(1000).i((int) pollWaitMillis).bytes();
          RaftClientReply r = client.async().sendStaleRead(MetaStateMachine.message(q), -1, peer)
              .get(pollWaitMillis + requestTimeoutMillis, TimeUnit.MILLISECONDS);
          if (!r.isSuccess()) {
            throw new IOException(String.valueOf(r.getException()));
          }
          reply = r.getMessage().getContent().toByteArray();
        } catch (ExecutionException | TimeoutException | IOException e) {
          if (stopped) {
            break;
          }
          failures++;
          LOG.debug("watch poll to {} failed ({}); moving on", peer, e.toString());
          next(failures);
          continue;
        }
        Wire.In in = new Wire.In(reply);
        byte kind = in.b();
        if (kind != Wire.OK) {
          failures++;
          LOG.debug("watch poll to {} refused: {}", peer, in.str());
          next(failures);
          continue;
        }
        byte status = in.b();
        long head = in.l();
        in.l(); // applied index, shown in status; progress is reported as a revision
        if (status == MetaStateMachine.FEED_UNAVAILABLE) {
          failures++;
          LOG.debug("replica {} does not serve the feed: {}", peer, in.str());
          next(failures);
          continue;
        }
        failures = 0;
        if (status == MetaStateMachine.FEED_RESYNC) {
          long to = in.l();
          if (++resyncs < peers.size()) {
            next(0); // another replica may still hold the history
            continue;
          }
          resyncs = 0;
          if (stopped) {
            break;
          }
          delivered = to;
          listener.onResync(to);
          continue;
        }
        resyncs = 0;
        int n = in.count();
        for (int i = 0; i < n && !stopped; i++) {
          ChangeEvent e = Wire.readEvent(in);
          if (e.revision() <= delivered) {
            continue;
          }
          listener.onEvent(e);
          delivered = e.revision();
        }
        if (!stopped && delivered >= head && (n == 0 || delivered != lastProgress)) {
          lastProgress = delivered;
          listener.onProgress(delivered);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Wire.MalformedException e) {
      cause = new IOException("unreadable change feed reply: " + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      cause = e;
    }
    try {
      client.close();
    } catch (IOException e) {
      // best effort
    }
    listener.onClose(stopped ? null : cause);
  }

  private void next(int failures) throws InterruptedException {
    current = (current + 1) % peers.size();
    if (failures >= peers.size()) {
      Thread.sleep(Math.min(1000, 50L * failures)); // every replica failed in a row: back off
    }
  }

  /** The replica this subscription currently polls. */
  String currentPeer() {
    return peers.get(current).toString();
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
