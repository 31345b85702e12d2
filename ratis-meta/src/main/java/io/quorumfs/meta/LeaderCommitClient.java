package io.quorumfs.meta;

import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KvClosedException;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvUnavailableException;
import io.quorumfs.kv.Txn;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The {@code raft://} client side of leader group commit ({@link CommitService}): each commit gets
 * the next sequence number of this client's id. Concurrent commits are combined into one Commit
 * RPC: a committer that finds a free sender slot (at most {@code senders} RPCs in flight) sends
 * everything queued so far and keeps sending while more is queued; the others wait for their
 * result (a lone committer sends at once, no linger). A {@link Wire#NOT_LEADER} answer names the
 * leader to try next, a transport failure moves on to the next replica (both tracked in the
 * client's {@link LeaderChannel}, which its linearizable reads share), and the same (client,
 * seq)s are resent until the commit timeout. The replicas dedupe by (client, seq), so a resend —
 * after a lost reply, a leader change or a replica restart — answers with the first result and is
 * never applied twice. Every request carries the low-water mark (the lowest seq still unanswered)
 * so the replicas can forget older results.
 *
 * <p>Thread-safe.
 */
final class LeaderCommitClient implements AutoCloseable {

  /** A queued commit: its txn, encoded once ({@link Wire#encodeTxn}), its seq and its outcome. */
  private record Item(Txn txn, byte[] encoded, long seq, CompletableFuture<CommitResult> result) {}

  private final UUID id = UUID.randomUUID();
  private final AtomicLong nextSeq = new AtomicLong(1);
  private final ConcurrentSkipListSet<Long> unanswered = new ConcurrentSkipListSet<>();
  private final ConcurrentLinkedQueue<Item> queue = new ConcurrentLinkedQueue<>();
  private final Semaphore senders;
  private final int maxTxns;
  private final LeaderChannel leader;
  private final long timeoutNanos;
  private final long requestTimeoutMillis;
  private final String uri;
  private volatile boolean closed;

  /** {@code leader} is shared with the caller, who closes it. */
  LeaderCommitClient(String uri, LeaderChannel leader, long timeoutMillis, long requestTimeoutMillis, int senders,
                     int maxTxns) {
    this.uri = uri;
    this.leader = leader;
    this.timeoutNanos = timeoutMillis * 1_000_000;
    this.requestTimeoutMillis = requestTimeoutMillis;
    this.senders = new Semaphore(senders);
    this.maxTxns = maxTxns;
  }

  UUID id() {
    return id;
  }

  /**
   * The prefix of the lease session ids of {@code client}'s feeds: the leader answers a commit made
   * only of that client's txns without waiting for those leases (docs/leases.md).
   */
  static String sessionPrefix(UUID client) {
    return client + "/";
  }

  CommitResult commit(Txn txn) {
    byte[] encoded = Wire.encodeTxn(txn);
    int alone = 4 + Wire.COMMIT_ITEM_HEADER + encoded.length;
    if (alone > RaftSettings.MAX_MESSAGE_BYTES - 64) {
      throw RaftKvStore.tooBig(alone);
    }
    if (closed) {
      throw new KvClosedException("raft:// store " + uri + " is closed");
    }
    long seq;
    synchronized (unanswered) {
      // Together: a seq taken but not yet in the set could fall below a low-water mark another
      // sender computes meanwhile, and the replicas would answer it "acknowledged and forgotten".
      seq = nextSeq.getAndIncrement();
      unanswered.add(seq);
    }
    Item item = new Item(txn, encoded, seq, new CompletableFuture<>());
    queue.add(item);
    try {
      pump();
      return item.result.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KvUnavailableException("commit on " + uri + " interrupted; its outcome is unknown");
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IllegalArgumentException iae) {
        throw new IllegalArgumentException(iae.getMessage(), iae);
      }
      if (c instanceof KvClosedException k) {
        throw new KvClosedException(k.getMessage());
      }
      if (c instanceof KvUnavailableException k) {
        throw new KvUnavailableException(k.getMessage(), k);
      }
      if (c instanceof KvException k) {
        throw new KvException(k.getMessage(), k);
      }
      throw new KvException("commit on " + uri + " failed: " + c, c);
    } finally {
      unanswered.remove(seq);
    }
  }

  /** Sends what is queued while a sender slot is free; the last sender out re-checks the queue. */
  private void pump() {
    while (!queue.isEmpty() && senders.tryAcquire()) {
      try {
        for (List<Item> batch = drain(); !batch.isEmpty(); batch = drain()) {
          send(batch);
        }
      } finally {
        senders.release();
      }
    }
  }

  private List<Item> drain() {
    List<Item> batch = new ArrayList<>();
    int bytes = 0;
    for (Item it; batch.size() < maxTxns && bytes < (4 << 20) && (it = queue.poll()) != null; ) {
      batch.add(it);
      bytes += Wire.COMMIT_ITEM_HEADER + it.encoded.length;
    }
    return batch;
  }

  /** Sends one batch until it is answered or the deadline passes; completes every item. */
  private void send(List<Item> batch) {
    long deadline = System.nanoTime() + timeoutNanos;
    long backoffMs = 5;
    String lastProblem = "no attempt";
    long[] seqs = new long[batch.size()];
    List<byte[]> txns = new ArrayList<>(batch.size());
    long first = Long.MAX_VALUE;
    for (int i = 0; i < seqs.length; i++) {
      seqs[i] = batch.get(i).seq;
      txns.add(batch.get(i).encoded);
      first = Math.min(first, seqs[i]);
    }
    try {
      while (true) {
        if (closed) {
          throw new KvClosedException("raft:// store " + uri + " is closed");
        }
        Long low = unanswered.ceiling(Long.MIN_VALUE); // the lowest, or null when none is left
        byte[] request = Wire.encodeCommitRequestOf(id, seqs, low == null ? first : Math.min(low, first), txns);
        if (request.length > RaftSettings.MAX_MESSAGE_BYTES - 64) {
          // Rare: many large txns together. Send them one by one instead.
          if (batch.size() > 1) {
            for (Item it : batch) {
              send(List.of(it));
            }
            return;
          }
          throw RaftKvStore.tooBig(request.length);
        }
        String to = leader.target();
        boolean wait = true;
        try {
          byte[] reply = call(to, request, deadline);
          Wire.In in = new Wire.In(reply);
          byte kind = in.b();
          if (kind == Wire.OK) {
            int n = in.count();
            if (n != batch.size()) {
              throw new Wire.MalformedException(n + " outcomes for " + batch.size() + " txns");
            }
            for (Item it : batch) {
              try {
                it.result.complete(Wire.readOutcome(new Wire.In(in.bytes()), it.txn));
              } catch (IllegalArgumentException e) {
                it.result.completeExceptionally(e);
              }
            }
            return;
          }
          if (kind == Wire.ERROR) {
            throw new KvException("the cluster refused the commit: " + in.str());
          }
          if (kind != Wire.NOT_LEADER) {
            throw new KvException("unreadable commit reply from " + to + ": kind " + (kind & 0xFF));
          }
          String hint = in.str();
          lastProblem = to + " is not the leader" + (hint.isEmpty() ? " and knows none" : "; the leader is " + hint);
          wait = !leader.notLeader(to, hint);
        } catch (Wire.MalformedException e) {
          throw new KvException("unreadable commit reply from " + to + ": " + e.getMessage());
        } catch (ExecutionException | TimeoutException e) {
          Throwable c = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
          lastProblem = to + ": " + c;
          leader.failed(to);
        }
        if (System.nanoTime() > deadline) {
          throw new KvUnavailableException("commit on " + uri + " got no answer from a quorum within "
              + timeoutNanos / 1_000_000 + " ms (is a majority of replicas up?); last: " + lastProblem);
        }
        if (wait) {
          Thread.sleep(backoffMs); // retry back-off; the deadline bounds the loop
          backoffMs = Math.min(100, backoffMs * 2);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      KvUnavailableException u = new KvUnavailableException("commit on " + uri + " interrupted; its outcome is unknown");
      batch.forEach(it -> it.result.completeExceptionally(u));
    } catch (RuntimeException e) {
      batch.forEach(it -> it.result.completeExceptionally(e));
    }
  }

  private byte[] call(String address, byte[] request, long deadline)
      throws ExecutionException, TimeoutException, InterruptedException {
    long budget = Math.max(1, Math.min(requestTimeoutMillis, (deadline - System.nanoTime()) / 1_000_000));
    return leader.call(CommitService.COMMIT, address, request, budget);
  }

  @Override
  public void close() {
    closed = true;
    KvClosedException e = new KvClosedException("raft:// store " + uri + " is closed");
    for (Item it; (it = queue.poll()) != null; ) {
      it.result.completeExceptionally(e);
    }
  }
}
