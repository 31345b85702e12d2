package io.quorumfs.meta;

import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvUnavailableException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * The {@code raft://} client side of linearizable reads ({@link ReadService}): each read goes to
 * the replica its {@link LeaderChannel} names — the same state the leader commits follow.
 * Thread-safe.
 */
final class LeaderReads {

  private final String uri;
  private final LeaderChannel leader;
  private final long timeoutMillis;
  private final long requestTimeoutMillis;
  /** Throws {@link io.quorumfs.kv.KvClosedException} once the store is closed. */
  private final Runnable checkOpen;

  LeaderReads(String uri, LeaderChannel leader, long timeoutMillis, long requestTimeoutMillis, Runnable checkOpen) {
    this.uri = uri;
    this.leader = leader;
    this.timeoutMillis = timeoutMillis;
    this.requestTimeoutMillis = requestTimeoutMillis;
    this.checkOpen = checkOpen;
  }

  /**
   * A linearizable read on the leader's Read RPC, resent until the call's timeout while the
   * cluster cannot answer yet (no leader during an election, a leader not ready, a replica down):
   * a {@link Wire#NOT_LEADER} hint moves the shared {@link LeaderChannel} (commits follow it too),
   * a transport failure moves it to the next replica. Reads change nothing, so any resend is safe;
   * callers need no retry loop of their own.
   */
  byte[] read(byte[] query, String what) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000;
    long backoffMs = 5;
    String lastProblem = "no attempt";
    while (true) {
      checkOpen.run();
      String to = leader.target();
      boolean wait = true;
      try {
        long budget = Math.max(1, Math.min(requestTimeoutMillis,
            (deadline - System.nanoTime()) / 1_000_000));
        byte[] reply = leader.call(ReadService.READ, to, query, budget);
        if (reply.length == 0 || reply[0] != Wire.NOT_LEADER) {
          return reply;
        }
        Wire.In in = new Wire.In(reply);
        in.b();
        String hint = in.str();
        String why = in.hasMore() ? " (" + in.str() + ")" : "";
        lastProblem = to + " is not the leader" + (hint.isEmpty() ? " and knows none" : "; the leader is " + hint) + why;
        wait = !leader.notLeader(to, hint);
      } catch (Wire.MalformedException e) {
        throw new KvException("unreadable " + what + " reply from " + to + ": " + e.getMessage());
      } catch (ExecutionException | TimeoutException e) {
        checkOpen.run();
        lastProblem = to + ": " + (e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e);
        leader.failed(to);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KvUnavailableException(what + " on " + uri + " interrupted");
      }
      if (System.nanoTime() > deadline) {
        throw new KvUnavailableException(what + " on " + uri + " got no answer from a quorum within "
            + timeoutMillis + " ms (is a majority of replicas up?); last: " + lastProblem);
      }
      if (wait) {
        try {
          Thread.sleep(backoffMs); // retry back-off; the deadline bounds the loop
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new KvUnavailableException(what + " on " + uri + " interrupted");
        }
        backoffMs = Math.min(100, backoffMs * 2);
      }
    }
  }
}
