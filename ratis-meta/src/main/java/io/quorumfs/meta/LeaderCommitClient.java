package io.quorumfs.meta;

import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KvClosedException;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvUnavailableException;
import io.quorumfs.kv.Txn;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.thirdparty.com.google.common.util.concurrent.ListenableFuture;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls;

/**
 * The {@code raft://} client side of leader group commit ({@link CommitService}): each commit gets
 * the next sequence number of this client's id and is sent, alone, to the leader; a
 * {@link Wire#NOT_LEADER} answer names the leader to try next, a transport failure moves on to the
 * next replica, and the same (client, seq) is resent until the commit timeout. The replicas dedupe
 * by (client, seq), so a resend — after a lost reply, a leader change or a replica restart —
 * answers with the first result and is never applied twice. Every request carries the low-water
 * mark (the lowest seq still unanswered) so the replicas can forget older results.
 *
 * <p>Thread-safe; each committer thread blocks on its own call (gRPC multiplexes them on one
 * connection per replica).
 */
final class LeaderCommitClient implements AutoCloseable {

  private final UUID id = UUID.randomUUID();
  private final AtomicLong nextSeq = new AtomicLong(1);
  private final ConcurrentSkipListSet<Long> unanswered = new ConcurrentSkipListSet<>();
  private final List<String> addresses;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Tls tls;
  private final long timeoutNanos;
  private final long requestTimeoutMillis;
  private final String uri;
  private volatile String target;
  private volatile boolean closed;

  LeaderCommitClient(String uri, List<String> addresses, String leaderAddress, Tls tls, long timeoutMillis,
                     long requestTimeoutMillis) {
    this.uri = uri;
    this.addresses = new ArrayList<>(addresses);
    this.tls = tls;
    this.timeoutNanos = timeoutMillis * 1_000_000;
    this.requestTimeoutMillis = requestTimeoutMillis;
    this.target = leaderAddress != null ? leaderAddress : addresses.get(0);
  }

  UUID id() {
    return id;
  }

  CommitResult commit(Txn txn) {
    long seq = nextSeq.getAndIncrement();
    unanswered.add(seq);
    try {
      return send(txn, seq);
    } finally {
      unanswered.remove(seq);
    }
  }

  private CommitResult send(Txn txn, long seq) {
    long deadline = System.nanoTime() + timeoutNanos;
    long backoffMs = 5;
    String lastProblem = "no attempt";
    while (true) {
      if (closed) {
        throw new KvClosedException("raft:// store " + uri + " is closed");
      }
      Long low = unanswered.isEmpty() ? seq : unanswered.first();
      byte[] request = Wire.encodeCommitRequest(id, seq, Math.min(low, seq), txn);
      if (request.length > RaftSettings.MAX_MESSAGE_BYTES - 64) {
        throw RaftKvStore.tooBig(request.length);
      }
      String to = target;
      boolean wait = true;
      try {
        byte[] reply = call(to, request, deadline);
        Wire.In in = new Wire.In(reply);
        byte kind = in.b();
        if (kind == Wire.OK) {
          return Wire.readOutcome(in, txn);
        }
        if (kind == Wire.ERROR) {
          throw new KvException("the cluster refused the commit: " + in.str());
        }
        if (kind != Wire.NOT_LEADER) {
          throw new KvException("unreadable commit reply from " + to + ": kind " + (kind & 0xFF));
        }
        String hint = in.str();
        lastProblem = to + " is not the leader" + (hint.isEmpty() ? " and knows none" : "; the leader is " + hint);
        if (!hint.isEmpty() && !hint.equals(to)) {
          moveTo(to, hint);
          wait = false;
        } else {
          moveTo(to, next(to));
        }
      } catch (Wire.MalformedException e) {
        throw new KvException("unreadable commit reply from " + to + ": " + e.getMessage());
      } catch (ExecutionException | TimeoutException e) {
        Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
        lastProblem = to + ": " + c;
        moveTo(to, next(to));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KvUnavailableException("commit on " + uri + " interrupted; its outcome is unknown");
      }
      if (System.nanoTime() > deadline) {
        throw new KvUnavailableException("commit on " + uri + " got no answer from a quorum within "
            + timeoutNanos / 1_000_000 + " ms (is a majority of replicas up?); last: " + lastProblem);
      }
      if (wait) {
        try {
          Thread.sleep(backoffMs); // retry back-off; the deadline bounds the loop
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new KvUnavailableException("commit on " + uri + " interrupted; its outcome is unknown");
        }
        backoffMs = Math.min(100, backoffMs * 2);
      }
    }
  }

  private byte[] call(String address, byte[] request, long deadline)
      throws ExecutionException, TimeoutException, InterruptedException {
    long budget = Math.max(1, Math.min(requestTimeoutMillis, (deadline - System.nanoTime()) / 1_000_000));
    ManagedChannel ch = channels.computeIfAbsent(address, a -> MetaRpc.channel(a, tls));
    ListenableFuture<byte[]> f = ClientCalls.futureUnaryCall(
        ch.newCall(CommitService.COMMIT, CallOptions.DEFAULT.withDeadlineAfter(budget, TimeUnit.MILLISECONDS)),
        request);
    try {
      return f.get(budget + 1000, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | InterruptedException e) {
      f.cancel(true);
      throw e;
    }
  }

  private void moveTo(String from, String to) {
    if (target.equals(from)) {
      target = to;
    }
  }

  private String next(String address) {
    int i = addresses.indexOf(address);
    return addresses.get((i + 1) % addresses.size());
  }

  @Override
  public void close() {
    closed = true;
    channels.values().forEach(ManagedChannel::shutdownNow);
    channels.clear();
  }
}
