package io.quorumfs.fs;

import com.codahale.metrics.Counter;
import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.Compare;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvStore;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs file-system operations as optimistic transactions: cached reads, one commit, and on failed
 * compares a refresh of exactly the failed keys and a retry after a short jittered pause
 * (bounded by {@link FsConfig#maxRetries()}, then EIO).
 */
final class Meta {
  private static final Logger log = LoggerFactory.getLogger(Meta.class);

  final KvStore store;
  final MetaCache cache;
  final Keys keys;
  final FsConfig config;
  private final Random random;
  private final Counter retries;
  private final Counter commits;
  private final CommitBatcher batcher;
  /** Directory delegations: this client's and the guard against others' (docs/fs.md). */
  final Delegations delegs;

  Meta(KvStore store, MetaCache cache, Keys keys, FsConfig config) {
    this.store = store;
    this.cache = cache;
    this.keys = keys;
    this.config = config;
    this.random = config.random().get();
    this.retries = config.metrics().counter("quorumfs.fs.txn.retries");
    this.commits = config.metrics().counter("quorumfs.fs.txn.commits");
    this.batcher = new CommitBatcher(store, cache, config.commitBatch(), config.commitInflight(),
        config.metrics());
    this.delegs = new Delegations(this);
  }

  /** Runs {@code body} until its txn commits (or it has nothing to write); returns its result. */
  <T> T run(String what, Function<Tx, T> body) {
    return runCommitted(what, body).value;
  }

  /** The result of an operation and the revision it committed at (0 if it wrote nothing). */
  static final class Done<T> {
    final T value;
    final long revision;

    Done(T value, long revision) {
      this.value = value;
      this.revision = revision;
    }
  }

  <T> Done<T> runCommitted(String what, Function<Tx, T> body) {
    int max = config.maxRetries();
    for (int attempt = 1; ; attempt++) {
      Tx tx = new Tx(cache, attempt, delegs);
      T value;
      CommitResult r;
      try {
        try {
          value = body.apply(tx);
        } catch (Delegations.RecallNeeded e) {
          tx.release();
          delegs.recall(e); // then run again: the directory is no longer delegated
          continue;
        }
        if (!tx.hasWrites()) {
          return new Done<>(value, 0);
        }
        if (tx.readPending()) {
          // A store write never builds on uncommitted state: commit this client's delegated
          // operations first, then read again.
          delegs.flush();
          continue;
        }
        try {
          r = batcher.commit(tx); // applies a success to the cache
        } catch (KvException e) {
          throw new FsException(Errno.EIO, what + ": metadata store failed: " + e.getMessage(), e);
        }
      } finally {
        tx.release();
      }
      if (r.ok()) {
        commits.inc();
        return new Done<>(value, r.revision());
      }
      retries.inc();
      for (Compare c : r.failed()) {
        cache.invalidate(c.key());
      }
      if (attempt >= max) {
        throw new FsException(Errno.EIO, what + ": gave up after " + attempt
            + " conflicting attempts; last failed compares " + r.failed());
      }
      if (log.isDebugEnabled()) {
        log.debug("{}: attempt {} conflicted on {}", what, attempt, r.failed());
      }
      backoff(attempt);
    }
  }

  /** No pause for the first retry, then up to 1, 2, 4 ... 50 ms of random jitter. */
  void backoff(int attempt) {
    if (attempt <= 1) {
      return;
    }
    long capMicros = Math.min(50_000L, 500L << Math.min(attempt - 1, 10));
    long micros;
    synchronized (random) {
      micros = 1 + (long) (random.nextDouble() * capMicros);
    }
    try {
      TimeUnit.MICROSECONDS.sleep(micros);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new FsException(Errno.EINTR, "interrupted between retries");
    }
  }

  /** Writes per txn for batched work (range deletes), within the store's txn size limit. */
  int batch() {
    return (int) Math.max(8, Math.min(256L, (long) store.maxTxnSize() - 16));
  }

  long now() {
    java.time.Instant i = config.clock().instant();
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  static long longOf(io.quorumfs.kv.Versioned v) {
    return v.exists() ? Bytes.toLong(v.value()) : 0;
  }
}
