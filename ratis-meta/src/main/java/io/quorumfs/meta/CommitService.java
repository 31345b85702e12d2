package io.quorumfs.meta;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code quorumfs.meta.Commit/Commit}: txns of one client ({@link Wire#encodeCommitRequest}:
 * per txn the client id, seq, low-water mark) in, their outcomes out. On the leader, txns arriving together
 * from all clients are batched into one {@link Wire#GROUP} log entry, submitted through the local
 * Raft server; the state machine applies each txn on its own and dedupes by (client, seq)
 * ({@link CommitSessions}), so a client may resend a txn anywhere, any number of times.
 *
 * <p>A batch closes at {@code maxTxns} txns or {@code maxBytes}, or when nothing more arrives
 * within {@code lingerMicros} while earlier batches are in flight; with nothing in flight it goes
 * at once (a lone committer never waits). At most {@code inflight} batches are outstanding.
 * A replica that is not the (ready) leader answers {@link Wire#NOT_LEADER} with the leader's
 * address when it knows one.
 */
final class CommitService implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(CommitService.class);

  static final MethodDescriptor<byte[], byte[]> COMMIT =
      MetaRpc.method("Commit", "Commit", MethodDescriptor.MethodType.UNARY);

  private record Pending(byte[] request, int count, CompletableFuture<byte[]> reply) {}

  private final MetaStateMachine sm;
  private final MetaServerConfig.GroupCommit settings;
  private final LogClock clock;
  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Semaphore inflight;
  /** Our own Ratis client id for the entries we submit (no Ratis-level retries: the ids are unique). */
  private final ClientId raftClientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final Thread thread;
  private volatile boolean closed;

  CommitService(String id, MetaStateMachine sm, MetaServerConfig.GroupCommit settings, LogClock clock) {
    this.sm = sm;
    this.settings = settings;
    this.clock = clock;
    this.inflight = new Semaphore(settings.inflight());
    this.thread = new Thread(this::run, "meta-" + id + "-group-commit");
    thread.setDaemon(true);
    thread.start();
  }

  ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder("quorumfs.meta.Commit")
        .addMethod(COMMIT, ServerCalls.asyncUnaryCall(this::commit))
        .build();
  }

  private void commit(byte[] request, StreamObserver<byte[]> out) {
    submit(request).whenComplete((reply, err) -> {
      out.onNext(err == null ? reply : MetaStateMachine.error("commit failed on the leader: " + err));
      out.onCompleted();
    });
  }

  /** The reply to one Commit request (never completes exceptionally). */
  CompletableFuture<byte[]> submit(byte[] request) {
    int count;
    try {
      count = Wire.readCommitRequest(request, settings.maxTxns());
    } catch (Wire.MalformedException e) {
      return CompletableFuture.completedFuture(MetaStateMachine.error("malformed commit request: " + e.getMessage()));
    }
    if (request.length > RaftSettings.MAX_MESSAGE_BYTES - 64) {
      return CompletableFuture.completedFuture(MetaStateMachine.error("commit request of " + request.length
          + " bytes exceeds the limit of " + RaftSettings.MAX_MESSAGE_BYTES));
    }
    RaftServer.Division d = sm.division();
    if (closed || d == null || !d.getInfo().isLeader() || !d.getInfo().isLeaderReady()) {
      return CompletableFuture.completedFuture(notLeader(d == null ? null : d.getInfo().getLeaderId()));
    }
    Pending p = new Pending(request, count, new CompletableFuture<>());
    if (queue.isEmpty() && inflight.availablePermits() == settings.inflight() && inflight.tryAcquire()) {
      // Nothing queued or in flight: send from this thread (a lone committer skips the hand-off
      // to the batcher; anything arriving meanwhile queues up for the next batch).
      send(List.of(p), count);
      return p.reply;
    }
    queue.add(p);
    if (closed) {
      failAll();
    }
    return p.reply;
  }

  /** {@link Wire#NOT_LEADER} naming {@code leader} (our own address when we lead but are not ready: retry here). */
  private byte[] notLeader(RaftPeerId leader) {
    return MetaRpc.notLeader(sm.division(), leader, "commit not taken by this replica");
  }


  private void run() {
    List<Pending> batch = List.of();
    try {
      while (!closed) {
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        // The permit first: while every batch slot is taken, later arrivals wait in the queue and
        // join this batch, so a busy leader writes fewer, larger entries.
        batch = new ArrayList<>(List.of(first));
        inflight.acquire();
        int bytes = first.request.length;
        int txns = first.count;
        long lingerUntil = System.nanoTime() + settings.lingerMicros() * 1000;
        while (txns < settings.maxTxns() && bytes < settings.maxBytes()) {
          Pending next = queue.peek();
          if (next == null) {
            long left = lingerUntil - System.nanoTime();
            // We hold one permit: all the others free means nothing else is in flight.
            if (left <= 0 || inflight.availablePermits() == settings.inflight() - 1) {
              break;
            }
            next = queue.poll(left, TimeUnit.NANOSECONDS);
            if (next == null) {
              break;
            }
          } else {
            if (bytes + next.request.length > Math.min(settings.maxBytes(), RaftSettings.MAX_MESSAGE_BYTES - 64)
                || txns + next.count > settings.maxTxns()) {
              break;
            }
            queue.poll();
          }
          if (txns + next.count > settings.maxTxns()) {
            // Came in through the linger wait: too big for this batch, so it heads the next one.
            send(batch, txns);
            batch = new ArrayList<>(List.of(next));
            bytes = next.request.length;
            txns = next.count;
            inflight.acquire();
            continue;
          }
          batch.add(next);
          bytes += next.request.length;
          txns += next.count;
        }
        send(batch, txns);
        batch = List.of();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    byte[] answer = notLeader(null);
    batch.forEach(p -> p.reply.complete(answer)); // taken from the queue, never sent
    failAll();
  }

  /** Sends one batch; the caller holds an inflight permit for it, released when it completes. */
  private void send(List<Pending> batch, int txns) {
    List<byte[]> requests = new ArrayList<>(batch.size());
    batch.forEach(p -> requests.add(p.request));
    byte[] entry = Wire.encodeGroup(
        clock.stamp(sm.division().getInfo().getCurrentTerm(), sm.appliedMillis()), requests);
    CompletableFuture<RaftClientReply> f =
        MetaRpc.submitLocal(sm.division(), raftClientId, callIds.incrementAndGet(), entry, false);
    f.whenComplete((reply, err) -> {
      inflight.release();
      try {
        complete(batch, reply, err);
      } catch (RuntimeException e) {
        // The batch may have applied: an error reply would tell its committers it did not. The
        // retriable answer makes them resend, and the dedupe table answers with the outcome.
        LOG.warn("group commit reply handling failed; its committers resend", e);
        byte[] resend = notLeader(null);
        batch.forEach(p -> p.reply.complete(resend));
      }
    });
  }

  private void complete(List<Pending> batch, RaftClientReply reply, Throwable err) {
    if (err != null || reply == null || !reply.isSuccess()) {
      // Not applied here (or not known): the client resends to the leader; dedupe makes it safe.
      RaftPeerId hint = null;
      if (reply != null && reply.getNotLeaderException() != null
          && reply.getNotLeaderException().getSuggestedLeader() != null) {
        hint = reply.getNotLeaderException().getSuggestedLeader().getId();
      }
      byte[] answer = notLeader(hint);
      batch.forEach(p -> p.reply.complete(answer));
      return;
    }
    byte[] body = reply.getMessage().getContent().toByteArray();
    try {
      Wire.In in = new Wire.In(body);
      byte kind = in.b();
      if (kind != Wire.OK) {
        batch.forEach(p -> p.reply.complete(body));
        return;
      }
      int n = in.count();
      int expected = 0;
      for (Pending p : batch) {
        expected += p.count;
      }
      if (n != expected) {
        throw new Wire.MalformedException("reply has " + n + " outcomes for " + expected + " txns");
      }
      for (Pending p : batch) {
        Wire.Out o = new Wire.Out(32 * p.count);
        o.b(Wire.OK).i(p.count);
        for (int i = 0; i < p.count; i++) {
          o.bytes(in.bytes());
        }
        p.reply.complete(o.bytes());
      }
    } catch (Wire.MalformedException e) {
      LOG.warn("unreadable group commit reply; its committers resend: {}", e.getMessage());
      byte[] resend = notLeader(null); // applied or not, the dedupe table answers the resend
      batch.forEach(p -> p.reply.complete(resend));
    }
  }

  private void failAll() {
    byte[] answer = notLeader(null);
    for (Pending p; (p = queue.poll()) != null; ) {
      p.reply.complete(answer);
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(2000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    failAll();
  }
}
