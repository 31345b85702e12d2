package io.quorumfs.fs;

import com.codahale.metrics.Counter;
import com.codahale.metrics.MetricRegistry;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.Compare;
import io.quorumfs.kv.KvLimitException;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.Op;
import io.quorumfs.kv.Txn;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Group commit on the client: the txns of concurrent operations are merged into one store commit
 * when they cannot affect each other. At most {@code inflight} store commits run at once; an
 * operation arriving while they are all busy queues, and the first queued operation, once a slot
 * frees, commits every compatible queued txn with its own (up to {@code maxMerge} txns and the
 * store's txn size). A lone operation commits at once, as before.
 *
 * <p>Txns are compatible when no key one of them compares or puts/deletes is touched by another;
 * keys that several only {@code Add} to (or only {@code Max}) are combined into one op, so 16
 * creates in one directory (each adding to its entry counter and raising its mtime) merge. The
 * merged txn is all or nothing: if it fails, the txns whose compares failed get that conflict and
 * the others are committed again (merged) at once; if the store refuses its size
 * ({@link KvLimitException}), each is committed alone. The cache receives the merged effect once
 * (so no txn's intermediate counter value is ever visible).
 */
final class CommitBatcher {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CommitBatcher.class);

  private final KvStore store;
  private final MetaCache cache;
  private final int maxMerge;
  private final int inflightMax;
  private final int maxSize;
  private final Counter batches;
  private final Counter merged;
  private final ArrayDeque<Req> queue = new ArrayDeque<>();
  private int inflight;

  /** One operation's txn waiting for its outcome. */
  private static final class Req {
    final Tx tx;
    final Txn txn;
    CommitResult result;
    RuntimeException error;
    boolean done;

    Req(Tx tx) {
      this.tx = tx;
      this.txn = tx.build();
    }

    CommitResult outcome() {
      if (error != null) {
        throw error;
      }
      return result;
    }
  }

  CommitBatcher(KvStore store, MetaCache cache, int maxMerge, int inflight,
      MetricRegistry metrics) {
    this.store = store;
    this.cache = cache;
    this.maxMerge = maxMerge;
    this.inflightMax = inflight;
    this.maxSize = store.maxTxnSize();
    this.batches = metrics.counter("quorumfs.fs.txn.batches");
    this.merged = metrics.counter("quorumfs.fs.txn.merged");
  }

  /**
   * Commits {@code tx} (alone or merged), puts the effect of a success into the cache and returns
   * {@code tx}'s outcome: ok with its revision (op results are not kept), or its own failed
   * compares. Store failures are rethrown as they came.
   */
  CommitResult commit(Tx tx) {
    Req me = new Req(tx);
    List<Req> batch = null;
    boolean interrupted = false;
    synchronized (this) {
      if (maxMerge <= 1 || (inflight < inflightMax && queue.isEmpty())) {
        inflight++;
        batch = List.of(me);
      } else {
        queue.addLast(me);
        while (batch == null) {
          if (me.done) {
            break;
          }
          if (inflight < inflightMax && queue.peekFirst() == me) {
            batch = take();
            inflight++;
            if (inflight < inflightMax && !queue.isEmpty()) {
              notifyAll(); // the new head may take the next free slot now
            }
            break;
          }
          try {
            wait();
          } catch (InterruptedException e) {
            if (queue.remove(me)) {
              notifyAll();
              Thread.currentThread().interrupt();
              throw new FsException(Errno.EINTR, "interrupted waiting to commit");
            }
            interrupted = true; // taken into a batch already: its outcome must be awaited
          }
        }
        if (me.done) {
          if (interrupted) {
            Thread.currentThread().interrupt();
          }
          return me.outcome();
        }
      }
    }
    try {
      runSettled(batch);
    } finally {
      synchronized (this) {
        inflight--;
        notifyAll();
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
    return me.outcome();
  }

  /**
   * {@link #run} that settles every member of the batch whatever happens: the others wait in
   * {@link #commit} for exactly that, so an unexpected error must end them too (as an EIO), never
   * leave them waiting forever. An {@link Error} is rethrown to the thread that ran the batch.
   */
  private void runSettled(List<Req> batch) {
    try {
      run(batch);
    } catch (Throwable t) {
      RuntimeException e = t instanceof RuntimeException ? (RuntimeException) t
          : new FsException(Errno.EIO, "commit failed: " + t, t);
      List<Req> open = new ArrayList<>();
      synchronized (this) {
        for (Req q : batch) {
          if (!q.done) {
            q.error = e;
            open.add(q);
          }
        }
      }
      finish(open);
      if (t instanceof Error) {
        throw (Error) t;
      }
    }
  }

  /** Txns waiting in the queue (tests). */
  synchronized int queued() {
    return queue.size();
  }

  /** Commits {@code txs} as one batch, as a queue of them would be (tests). */
  List<CommitResult> commitTogether(List<Tx> txs) {
    List<Req> batch = new ArrayList<>();
    for (Tx t : txs) {
      batch.add(new Req(t));
    }
    runSettled(batch);
    List<CommitResult> out = new ArrayList<>();
    for (Req q : batch) {
      out.add(q.outcome());
    }
    return out;
  }

  /** Takes the head of the queue and every queued txn compatible with what was taken so far. */
  private List<Req> take() {
    List<Req> out = new ArrayList<>();
    Map<Key, Role> roles = new HashMap<>();
    int size = 0;
    for (Iterator<Req> it = queue.iterator(); it.hasNext() && out.size() < maxMerge; ) {
      Req r = it.next();
      if (!out.isEmpty() && (size + r.txn.size() > maxSize || !compatible(r.txn, roles))) {
        continue;
      }
      claim(r.txn, roles);
      size += r.txn.size();
      out.add(r);
      it.remove();
    }
    return out;
  }

  /** What the txns taken so far do with a key. */
  private static final class Role {
    long compared = -1;
    boolean exclusive;
    Class<?> commutative;
  }

  private static boolean compatible(Txn t, Map<Key, Role> roles) {
    for (Compare c : t.compares()) {
      Role r = roles.get(new Key(c.key()));
      if (r != null && (r.exclusive || r.commutative != null || r.compared != c.version())) {
        return false;
      }
    }
    for (Op op : t.ops()) {
      Role r = roles.get(new Key(op.key()));
      if (r == null) {
        continue;
      }
      if (!isCommutative(op) || r.exclusive || r.compared >= 0 || r.commutative != op.getClass()) {
        return false;
      }
    }
    return true;
  }

  private static void claim(Txn t, Map<Key, Role> roles) {
    for (Compare c : t.compares()) {
      roles.computeIfAbsent(new Key(c.key()), k -> new Role()).compared = c.version();
    }
    for (Op op : t.ops()) {
      Role r = roles.computeIfAbsent(new Key(op.key()), k -> new Role());
      if (isCommutative(op) && r.commutative == null || r.commutative == op.getClass()) {
        r.commutative = op.getClass();
      } else {
        r.exclusive = true;
      }
    }
  }

  private static boolean isCommutative(Op op) {
    return op instanceof Op.Add || op instanceof Op.Max;
  }

  private void run(List<Req> batch) {
    List<Req> left = batch;
    while (left.size() > 1) {
      List<Op> ops = new ArrayList<>();
      Txn txn = merge(left, ops);
      CommitResult r;
      try {
        r = store.commit(txn);
      } catch (KvLimitException e) {
        break; // too big for the store as one txn: each alone below
      } catch (RuntimeException e) {
        for (Req q : left) {
          q.error = e;
        }
        finish(left);
        return;
      }
      batches.inc();
      if (r.ok()) {
        merged.inc(left.size());
        try {
          Tx.applyOps(cache, ops, r);
        } catch (RuntimeException e) {
          // Committed all the same: report success and let the cache reload what it missed.
          log.warn("committed at revision {} but updating the cache failed; dropping its keys", r.revision(), e);
          for (Op op : ops) {
            cache.invalidate(op.key());
          }
        }
        CommitResult mine = CommitResult.ok(r.revision(), List.of());
        for (Req q : left) {
          q.result = mine;
        }
        finish(left);
        return;
      }
      List<Req> rest = new ArrayList<>();
      List<Req> failed = new ArrayList<>();
      for (Req q : left) {
        List<Compare> own = own(q.txn, r.failed());
        if (own.isEmpty()) {
          rest.add(q);
        } else {
          q.result = CommitResult.conflict(own);
          failed.add(q);
        }
      }
      if (failed.isEmpty()) { // not attributable (should not happen): everyone retries
        for (Req q : left) {
          q.result = r;
        }
        finish(left);
        return;
      }
      finish(failed);
      left = rest;
    }
    for (Req q : left) {
      try {
        CommitResult r = store.commit(q.txn);
        if (r.ok()) {
          q.tx.applyTo(cache, r);
        }
        q.result = r;
      } catch (RuntimeException e) {
        q.error = e;
      }
    }
    finish(left);
  }

  /** One txn of the compares of all, each key once, and their ops with shared counters combined. */
  private static Txn merge(List<Req> reqs, List<Op> ops) {
    Txn.Builder b = Txn.builder();
    Map<Key, Boolean> compared = new HashMap<>();
    Map<Key, Integer> combined = new HashMap<>();
    for (Req q : reqs) {
      for (Compare c : q.txn.compares()) {
        if (compared.put(new Key(c.key()), Boolean.TRUE) == null) {
          b.requireVersion(c.key(), c.version());
        }
      }
      for (Op op : q.txn.ops()) {
        if (!isCommutative(op)) {
          ops.add(op);
          continue;
        }
        Key k = new Key(op.key());
        Integer at = combined.get(k);
        if (at == null) {
          combined.put(k, ops.size());
          ops.add(op);
        } else if (op instanceof Op.Add) {
          ops.set(at, new Op.Add(op.key(), ((Op.Add) ops.get(at)).delta() + ((Op.Add) op).delta()));
        } else {
          ops.set(at, new Op.Max(op.key(),
              Math.max(((Op.Max) ops.get(at)).value(), ((Op.Max) op).value())));
        }
      }
    }
    ops.forEach(b::op);
    return b.build();
  }

  private static List<Compare> own(Txn t, List<Compare> failed) {
    List<Compare> out = new ArrayList<>();
    for (Compare f : failed) {
      for (Compare c : t.compares()) {
        if (java.util.Arrays.equals(c.key(), f.key())) {
          out.add(f);
          break;
        }
      }
    }
    return out;
  }

  private void finish(List<Req> done) {
    synchronized (this) {
      for (Req q : done) {
        q.done = true;
      }
      notifyAll();
    }
  }
}
