package io.quorumfs.meta;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.NotLeaderException;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.thirdparty.io.grpc.stub.ServerCalls;
import org.apache.ratis.thirdparty.io.grpc.stub.StreamObserver;

/**
 * {@code quorumfs.meta.Read/Read}: one linearizable read in, its reply out. The request is a
 * query ({@link Wire#GET}, {@link Wire#SCAN} or {@link Wire#REVISION}); the reply is the state
 * machine's answer to it ({@code 'k' ...} or {@code 'e' message}), or {@link Wire#NOT_LEADER}
 * with the leader's address ("" when unknown) from a replica that is not the leader.
 *
 * <p>Only the leader serves: it submits the query to its own Raft server as a read request, so
 * Ratis runs ReadIndex (answered from the leader lease while it holds one) and then the state
 * machine's {@code query}. A follower could answer too (ReadIndex from the leader, then waiting
 * for its own apply) but at several times the latency, so it redirects instead; the client's
 * {@link LeaderChannel} follows the hint. A request this service does not serve is answered with
 * an error reply, never an exception.
 */
final class ReadService {

  static final MethodDescriptor<byte[], byte[]> READ =
      MetaRpc.method("Read", "Read", MethodDescriptor.MethodType.UNARY);

  private final MetaStateMachine sm;
  /** Our own Ratis client id for the read requests we submit (reads are never retried by Ratis). */
  private final ClientId raftClientId = ClientId.randomId();
  private final AtomicLong callIds = new AtomicLong();
  private final LongAdder served = new LongAdder();
  private volatile boolean closed;

  ReadService(MetaStateMachine sm) {
    this.sm = sm;
  }

  ServerServiceDefinition definition() {
    return ServerServiceDefinition.builder("quorumfs.meta.Read")
        .addMethod(READ, ServerCalls.asyncUnaryCall(this::read))
        .build();
  }

  /** Reads this replica answered from its state machine through this service (not redirected). */
  long served() {
    return served.sum();
  }

  private void read(byte[] request, StreamObserver<byte[]> out) {
    submit(request).whenComplete((reply, err) -> {
      out.onNext(err == null ? reply : MetaStateMachine.error("read failed on the leader: " + err));
      out.onCompleted();
    });
  }

  /** The reply to one Read request (never completes exceptionally). */
  CompletableFuture<byte[]> submit(byte[] query) {
    if (query.length == 0 || (query[0] != Wire.GET && query[0] != Wire.SCAN && query[0] != Wire.REVISION)) {
      return CompletableFuture.completedFuture(MetaStateMachine.error("malformed read request: "
          + (query.length == 0 ? "empty" : "kind " + (query[0] & 0xFF) + " is not a get, scan or revision query")));
    }
    RaftServer.Division d = sm.division();
    if (closed || d == null || !d.getInfo().isLeader()) {
      return CompletableFuture.completedFuture(MetaRpc.notLeader(d, d == null ? null : d.getInfo().getLeaderId(),
          closed || d == null ? "replica is not running" : "replica is " + d.getInfo().getCurrentRole()));
    }
    CompletableFuture<RaftClientReply> f = MetaRpc.submitLocal(d, raftClientId, callIds.incrementAndGet(), query, true);
    return f.handle((reply, err) -> answer(d, reply, err));
  }

  private byte[] answer(RaftServer.Division d, RaftClientReply reply, Throwable err) {
    if (err == null && reply != null && reply.isSuccess()) {
      served.increment();
      return reply.getMessage().getContent().toByteArray();
    }
    // Not served here: a leadership change (NotLeaderException names the new leader), a leader not
    // ready yet, or a ReadIndex that failed. All are retriable: the client goes where we point it.
    NotLeaderException nle = reply == null ? null : reply.getNotLeaderException();
    if (nle == null && err != null) {
      Throwable c = err instanceof CompletionException && err.getCause() != null ? err.getCause() : err;
      nle = c instanceof NotLeaderException n ? n : null;
    }
    RaftPeerId hint = nle != null && nle.getSuggestedLeader() != null ? nle.getSuggestedLeader().getId()
        : d.getInfo().getLeaderId();
    Throwable why = err != null ? err : reply == null ? null : reply.getException();
    return MetaRpc.notLeader(d, hint, "read not served: " + why);
  }

  void close() {
    closed = true;
  }
}
