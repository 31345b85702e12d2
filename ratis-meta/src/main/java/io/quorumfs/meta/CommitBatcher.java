package io.quorumfs.meta;

import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KvClosedException;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvUnavailableException;
import io.quorumfs.kv.Txn;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Group commit: concurrent {@code commit} calls are collected into one Raft log entry. A batch
 * closes when it holds {@code maxTxns} txns or {@code maxBytes}, or when nothing more arrives
 * within {@code lingerNanos} while earlier batches are still in flight (a lone committer never
 * waits). At most {@code maxInflight} batches are outstanding; while they are, new txns queue up
 * and form the next, larger batch. Each txn of a batch is checked and applied on its own.
 */
final class CommitBatcher implements AutoCloseable {

  record Pending(Txn txn, byte[] encoded, CompletableFuture<CommitResult> future) {}

  private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
  private final Semaphore inflight;
  private final int maxInflight;
  private final int maxTxns;
  private final int maxBytes;
  private final long lingerNanos;
  private final Function<byte[], CompletableFuture<byte[]>> send;
  private final Thread thread;
  private volatile boolean closed;

  CommitBatcher(String name, int maxTxns, int maxBytes, long lingerNanos, int maxInflight,
                Function<byte[], CompletableFuture<byte[]>> send) {
    this.maxTxns = Math.min(maxTxns, Revisions.MAX_TXNS_PER_ENTRY);
    this.maxBytes = maxBytes;
    this.lingerNanos = lingerNanos;
    this.inflight = new Semaphore(maxInflight);
    this.maxInflight = maxInflight;
    this.send = send;
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  CompletableFuture<CommitResult> submit(Txn txn) {
    Wire.Out o = new Wire.Out(64);
    Wire.writeTxn(o, txn);
    if (o.size() > RaftSettings.MAX_MESSAGE_BYTES - 64) {
      throw RaftKvStore.tooBig(o.size());
    }
    Pending p = new Pending(txn, o.bytes(), new CompletableFuture<>());
    if (closed) {
      p.future.completeExceptionally(new KvClosedException("raft:// store is closed"));
      return p.future;
    }
    queue.add(p);
    if (closed) {
      failAll(new KvClosedException("raft:// store is closed"));
    }
    return p.future;
  }

  private void run() {
    try {
      while (!closed) {
        Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        List<Pending> batch = new ArrayList<>();
        batch.add(first);
        int bytes = first.encoded.length;
        long lingerUntil = System.nanoTime() + lingerNanos;
        while (batch.size() < maxTxns && bytes < maxBytes) {
          Pending next = queue.peek();
          if (next == null) {
            long left = lingerUntil - System.nanoTime();
            if (left <= 0 || inflight.availablePermits() == maxInflight) {
              break;
            }
            next = queue.poll(left, TimeUnit.NANOSECONDS);
            if (next == null) {
              break;
            }
          } else {
            if (bytes + next.encoded.length > maxBytes) {
              break;
            }
            queue.poll();
          }
          batch.add(next);
          bytes += next.encoded.length;
        }
        inflight.acquire();
        sendBatch(batch, bytes);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    failAll(new KvClosedException("raft:// store is closed"));
  }

  private void sendBatch(List<Pending> batch, int bytes) {
    Wire.Out o = new Wire.Out(bytes + 8);
    o.b(Wire.COMMIT).i(batch.size());
    byte[] data = o.bytes();
    byte[] all = new byte[data.length + bytes];
    System.arraycopy(data, 0, all, 0, data.length);
    int at = data.length;
    for (Pending p : batch) {
      System.arraycopy(p.encoded, 0, all, at, p.encoded.length);
      at += p.encoded.length;
    }
    CompletableFuture<byte[]> f;
    try {
      f = send.apply(all);
    } catch (RuntimeException e) {
      f = CompletableFuture.failedFuture(e);
    }
    f.whenComplete((reply, err) -> {
      inflight.release();
      if (err != null) {
        batch.forEach(p -> p.future.completeExceptionally(err));
      } else {
        complete(batch, reply);
      }
    });
  }

  private static void complete(List<Pending> batch, byte[] reply) {
    try {
      Wire.In in = new Wire.In(reply);
      byte kind = in.b();
      if (kind == Wire.ERROR) {
        String msg = in.str();
        KvException e = msg.contains("applied before this replica restarted")
            ? new KvUnavailableException("commit outcome unknown: " + msg)
            : new KvException("the cluster refused the commit: " + msg);
        batch.forEach(p -> p.future.completeExceptionally(e));
        return;
      }
      int n = in.count();
      if (n != batch.size()) {
        throw new Wire.MalformedException("reply has " + n + " results for " + batch.size() + " txns");
      }
      for (Pending p : batch) {
        try {
          p.future.complete(Wire.readOutcome(in, p.txn));
        } catch (IllegalArgumentException e) {
          p.future.completeExceptionally(e);
        }
      }
    } catch (Wire.MalformedException | RuntimeException e) {
      KvException ex = new KvException("unreadable commit reply: " + e.getMessage());
      batch.forEach(p -> p.future.completeExceptionally(ex));
    }
  }

  private void failAll(KvException e) {
    for (Pending p; (p = queue.poll()) != null; ) {
      p.future.completeExceptionally(e);
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
    failAll(new KvClosedException("raft:// store is closed"));
  }
}
