package io.quorumfs.meta;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.ratis.thirdparty.com.google.common.util.concurrent.ListenableFuture;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.MethodDescriptor;
import org.apache.ratis.thirdparty.io.grpc.stub.ClientCalls;

/**
 * Where one {@code raft://} client believes the leader is, and the gRPC channels to the replicas:
 * shared by its commits ({@link LeaderCommitClient} → {@link CommitService}) and its linearizable
 * reads ({@link ReadService}), so whatever one of them learns (a {@link Wire#NOT_LEADER} hint, a
 * replica that does not answer) the other uses at once.
 *
 * <p>Starts at the leader the client's discovery found, else at the first address. A NOT_LEADER
 * answer naming another replica moves the target there; one naming none, or a transport failure,
 * moves it to the next address in the list. A move only applies if the target is still the replica
 * that answered, so concurrent callers do not undo each other's moves. Thread-safe.
 */
final class LeaderChannel implements AutoCloseable {

  private final List<String> addresses;
  private final Map<String, ManagedChannel> channels = new ConcurrentHashMap<>();
  private final Tls tls;
  private volatile String target;
  private volatile boolean closed;

  LeaderChannel(List<String> addresses, String leaderAddress, Tls tls) {
    if (addresses.isEmpty()) {
      throw new IllegalArgumentException("a leader channel needs at least one replica address");
    }
    this.addresses = new ArrayList<>(addresses);
    this.tls = tls;
    this.target = leaderAddress != null ? leaderAddress : addresses.get(0);
  }

  /** The replica to send the next leader-only call to. */
  String target() {
    return target;
  }

  /**
   * {@code from} answered NOT_LEADER naming {@code hint} ("" when it knows no leader).
   *
   * @return true if the call should be resent at once (to the replica named), false if the caller
   *     should back off first (no leader known, or {@code from} named itself: a leader not ready yet)
   */
  boolean notLeader(String from, String hint) {
    if (hint.isEmpty()) {
      moveTo(from, next(from));
      return false;
    }
    if (hint.equals(from)) {
      return false;
    }
    moveTo(from, hint);
    return true;
  }

  /** {@code from} did not answer (transport failure or deadline): try the next replica. */
  void failed(String from) {
    moveTo(from, next(from));
  }

  /**
   * One unary call of {@code method} to {@code address}, with a gRPC deadline of {@code budgetMillis}.
   *
   * @throws ExecutionException the call failed (its cause: a gRPC status)
   * @throws TimeoutException no answer within the budget (plus a second of grace)
   */
  byte[] call(MethodDescriptor<byte[], byte[]> method, String address, byte[] request, long budgetMillis)
      throws ExecutionException, TimeoutException, InterruptedException {
    if (closed) {
      throw new ExecutionException(new IllegalStateException("channel closed"));
    }
    ManagedChannel ch = channels.computeIfAbsent(address, a -> MetaRpc.channel(a, tls));
    ListenableFuture<byte[]> f = ClientCalls.futureUnaryCall(
        ch.newCall(method, CallOptions.DEFAULT.withDeadlineAfter(budgetMillis, TimeUnit.MILLISECONDS)), request);
    try {
      return f.get(budgetMillis + 1000, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | InterruptedException e) {
      f.cancel(true);
      throw e;
    }
  }

  private void moveTo(String from, String to) {
    synchronized (this) {
      if (target.equals(from)) {
        target = to;
      }
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
