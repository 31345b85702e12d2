package io.quorumfs.fs;

import com.codahale.metrics.Counter;
import com.codahale.metrics.Timer;
import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.Capability;
import io.quorumfs.kv.Change;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.Compare;
import io.quorumfs.kv.Op;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Directory delegations (docs/fs.md, "Directory delegations"): this client's own delegations, the
 * overlay of its delegated operations not yet committed, the ordered pipeline that commits them,
 * and the guard every namespace operation passes (which recalls another client's delegation).
 *
 * <p>Thread safety: delegated operations and this client's store writes in a directory it holds
 * run under one lock ({@link #lock}), so a store write never interleaves with a delegated one.
 * The pipeline thread commits without that lock; {@link #flush} waits for it.
 */
final class Delegations {
  private static final Logger log = LoggerFactory.getLogger(Delegations.class);

  /** Thrown from a transaction body that needs a directory another session holds. */
  static final class RecallNeeded extends RuntimeException {
    final long dir;
    final long version;

    RecallNeeded(long dir, long version) {
      super("directory " + dir + " is delegated to another session", null, false, false);
      this.dir = dir;
      this.version = version;
    }
  }

  /** What an operation does with a directory it passes {@link #guard} for. */
  enum Use {
    /** Looks a name up or lists it. */
    READ,
    /** Adds, removes or changes entries in it. */
    WRITE,
    /** Removes the (empty) directory itself. */
    REMOVE
  }

  /** A delegation this client holds: the version of its key as taken. */
  private static final class Held {
    final long dir;
    final long version;
    volatile boolean recalled;
    /** Its release is being committed: the feed's delete of its key is this client's own. */
    volatile boolean releasing;

    Held(long dir, long version) {
      this.dir = dir;
      this.version = version;
    }
  }

  /** A pending value of the overlay: null value = deleted; {@code seq} of the op that wrote it. */
  private record Pending(byte[] value, long seq) {}

  /** One delegated operation waiting in the pipeline. */
  private record Queued(long seq, long dir, List<Op> ops, List<byte[]> absent) {}

  private final Meta meta;
  private final Keys k;
  private final MetaCache cache;
  private final FsConfig config;
  /** The store's feed can be leased: other clients may hold delegations, so guard them. */
  private final boolean possible;
  private volatile long sid = -1;

  final ReentrantLock lock = new ReentrantLock();
  private final Map<Long, Held> held = new ConcurrentHashMap<>();
  private final Map<Long, Long> backoffUntil = new ConcurrentHashMap<>();
  private final Map<Long, Integer> streak = new ConcurrentHashMap<>();
  private final Map<Key, Pending> overlay = new ConcurrentHashMap<>();
  private final Set<Long> lostDirs = ConcurrentHashMap.newKeySet();
  private volatile FsException lost;

  // The pipeline, guarded by q.
  private final Object q = new Object();
  private final ArrayDeque<Queued> queue = new ArrayDeque<>();
  private long nextSeq = 1;
  private long committedSeq;
  private long flushWanted;
  private long oldestNanos;
  private boolean closing;
  private boolean halted;
  private Thread pipeline;

  // Recallers wait on this for delegation keys to change.
  private final Object released = new Object();

  private final Counter taken;
  private final Counter local;
  private final Counter recalls;
  private final Counter batches;
  private final Timer recallWait;

  Delegations(Meta meta) {
    this.meta = meta;
    this.k = meta.keys;
    this.cache = meta.cache;
    this.config = meta.config;
    this.possible = meta.store.capabilities().contains(Capability.LEASED_FEED);
    var m = config.metrics();
    this.taken = m.counter("quorumfs.fs.deleg.taken");
    this.local = m.counter("quorumfs.fs.deleg.local");
    this.recalls = m.counter("quorumfs.fs.deleg.recalls");
    this.batches = m.counter("quorumfs.fs.deleg.batches");
    this.recallWait = m.timer("quorumfs.fs.deleg.recall-wait");
  }

  /** Starts taking delegations as session {@code sid} (if configured and possible). */
  void start(long sid) {
    this.sid = sid;
    if (config.delegations() && possible) {
      Thread t = new Thread(this::pipelineLoop, "quorumfs-deleg-" + sid);
      t.setDaemon(true);
      pipeline = t;
      t.start();
    }
  }

  private boolean enabled() {
    return pipeline != null;
  }

  /** True once this client's delegations were lost (tests). */
  boolean lost() {
    return lost != null;
  }

  /** True while this client holds the delegation of {@code dir} (tests). */
  boolean holds(long dir) {
    return held.containsKey(dir);
  }

  // ---- the overlay ----

  /** The pending (uncommitted) state of {@code key}, or null if nothing is pending for it. */
  Versioned pending(byte[] key) {
    if (overlay.isEmpty()) {
      return null;
    }
    Pending p = overlay.get(new Key(key));
    if (p == null) {
      return null;
    }
    return p.value == null ? Versioned.absent(key) : new Versioned(key, p.value, Long.MAX_VALUE);
  }

  // ---- the guard ----

  /**
   * Called by every namespace operation on directory {@code dir} before it reads it. Another
   * session's delegation: {@link RecallNeeded} (the operation recalls it and runs again). A write
   * compares the delegation key: absent, or this client's as taken (and then this client's
   * pipeline is flushed first and the write holds {@link #lock} until its commit ends, so no
   * delegated operation interleaves). Removing a directory this client holds releases it first.
   */
  void guard(Tx tx, long dir, Use use) {
    if (!possible || tx.isLocal()) {
      return;
    }
    if (lostDirs.contains(dir)) {
      throw lostError();
    }
    byte[] dk = k.deleg(dir);
    Versioned d = cache.get(dk);
    if (d.exists() && Meta.longOf(d) == sid && use == Use.REMOVE) {
      releaseOwn(dir);
      d = cache.get(dk);
    }
    if (!d.exists()) {
      if (use != Use.READ) {
        tx.requireAbsent(dk);
      }
      return;
    }
    if (Meta.longOf(d) != sid) {
      throw new RecallNeeded(dir, d.version());
    }
    if (use == Use.WRITE) {
      tx.hold(lock);
      flush();
      tx.requireVersion(dk, d.version());
    }
  }

  /** Commits what is queued in {@code dir} and releases its delegation (before removing it). */
  private void releaseOwn(long dir) {
    Held h = held.get(dir);
    if (h == null) {
      return;
    }
    h.recalled = true;
    synchronized (q) {
      q.notifyAll();
      while (held.get(dir) == h && lost == null) {
        try {
          q.wait();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new FsException(Errno.EINTR, "interrupted releasing directory " + dir);
        }
      }
    }
    if (lost != null) {
      throw lostError();
    }
  }

  // ---- delegated operations ----

  /**
   * Runs {@code body} as a delegated operation in {@code dir} if this client holds it: answered
   * from and applied to the overlay, queued for the pipeline. Null if {@code dir} is not held (or
   * is being recalled): the caller then runs it against the store.
   */
  <T> T runLocal(long dir, Function<Tx, T> body) {
    if (!enabled() || held.isEmpty()) {
      return null;
    }
    lock.lock();
    try {
      if (lostDirs.contains(dir)) {
        throw lostError();
      }
      Held h = held.get(dir);
      if (h == null || h.recalled) {
        return null;
      }
      Tx tx = Tx.local(cache, this);
      T value = body.apply(tx);
      if (!tx.hasWrites()) {
        return value;
      }
      if (!enqueue(h, tx)) {
        return null; // its release is being committed: through the store after all
      }
      local.inc();
      return value;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Puts a delegated operation's writes into the overlay and its ops into the queue (under lock);
   * false if the delegation's release is already being committed (nothing is then queued).
   */
  private boolean enqueue(Held h, Tx tx) {
    long dir = h.dir;
    List<Op> ops = tx.ops();
    List<byte[]> absent = new ArrayList<>();
    byte[] dirPrefix = k.dirPrefix(dir);
    for (Compare c : tx.compares()) {
      // Created names: a compare on absence (a broken invariant fails the batch, not silently).
      if (c.version() == 0 && Bytes.startsWith(c.key(), dirPrefix) && pending(c.key()) == null) {
        absent.add(c.key());
      }
    }
    List<Key> keys = new ArrayList<>(ops.size());
    List<byte[]> values = new ArrayList<>(ops.size());
    for (Op op : ops) {
      if (k.is(op.key(), Keys.GLOBAL)) {
        continue; // shared counters (inodes in use): committed, never pending here
      }
      byte[] v;
      if (op instanceof Op.Put p) {
        v = p.value();
      } else if (op instanceof Op.Delete) {
        v = null;
      } else if (op instanceof Op.Add a) {
        v = Bytes.ofLong(current(op.key()) + a.delta());
      } else {
        v = Bytes.ofLong(Math.max(current(op.key()), ((Op.Max) op).value()));
      }
      keys.add(new Key(op.key()));
      values.add(v);
    }
    // The pipeline decides releases under q: checked, numbered, made visible and queued at once.
    synchronized (q) {
      if (h.releasing || held.get(dir) != h) {
        return false;
      }
      long seq = nextSeq++;
      for (int i = 0; i < keys.size(); i++) {
        overlay.put(keys.get(i), new Pending(values.get(i), seq));
      }
      if (queue.isEmpty()) {
        oldestNanos = System.nanoTime();
      }
      queue.addLast(new Queued(seq, dir, ops, absent));
      q.notifyAll();
    }
    return true;
  }

  private long current(byte[] key) {
    Versioned p = pending(key);
    return Meta.longOf(p != null ? p : cache.get(key));
  }

  /** Waits until every delegated operation queued before this call is committed; EIO if lost. */
  void flush() {
    if (!enabled()) {
      return;
    }
    synchronized (q) {
      long target = nextSeq - 1;
      if (committedSeq < target && lost == null) {
        flushWanted = Math.max(flushWanted, target);
        q.notifyAll();
        while (committedSeq < target && lost == null) {
          try {
            q.wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new FsException(Errno.EINTR, "interrupted waiting for delegated operations");
          }
        }
      }
    }
    if (lost != null) {
      throw lostError();
    }
  }

  private FsException lostError() {
    FsException e = lost;
    return new FsException(Errno.EIO, "a directory delegation of session " + sid
        + " was lost; its uncommitted operations are gone" + (e == null ? "" : ": " + e.getMessage()));
  }

  // ---- taking ----

  /**
   * Counts a namespace write of this client in {@code dir}; after {@link
   * FsConfig#delegationTakeAfter} of them (none recalled within the back-off) takes its delegation.
   */
  void noteWrite(long dir) {
    if (!enabled() || held.containsKey(dir) || lost != null || !cache.coherent()) {
      return;
    }
    Long until = backoffUntil.get(dir);
    if (until != null && System.nanoTime() - until < 0) {
      return;
    }
    int n = streak.merge(dir, 1, Integer::sum);
    if (n < config.delegationTakeAfter()) {
      return;
    }
    streak.remove(dir);
    lock.lock();
    try {
      take(dir);
    } catch (FsException e) {
      log.debug("taking the delegation of {} failed", dir, e);
    } finally {
      lock.unlock();
    }
  }

  private void take(long dir) {
    byte[] dk = k.deleg(dir);
    byte[] rk = k.recall(dir);
    Meta.Done<Boolean> d = meta.runCommitted("delegate", tx -> {
      Versioned attr = tx.get(k.attr(dir));
      if (!attr.exists() || !Inode.decode(dir, attr.value()).isDir()) {
        return false;
      }
      if (cache.get(dk).exists() || cache.get(rk).exists()) {
        return false;
      }
      tx.requireAbsent(dk);
      tx.requireAbsent(rk);
      tx.put(dk, Keys.longBytes(sid));
      tx.put(k.sessionDeleg(sid, dir), new byte[0]);
      return true;
    });
    if (d.value) {
      held.put(dir, new Held(dir, d.revision));
      taken.inc();
    }
  }

  // ---- recalling ----

  /**
   * Asks the holder of {@code r.dir}'s delegation to release it and waits until its key is gone
   * (the holder's last batch deletes it) or changed. Bounded by twice the session TTL and the
   * barrier timeout: a dead holder's delegation goes with its session.
   */
  void recall(RecallNeeded r) {
    recalls.inc();
    backoffUntil.put(r.dir, System.nanoTime() + config.delegationBackoff().toNanos());
    byte[] dk = k.deleg(r.dir);
    byte[] rk = k.recall(r.dir);
    long start = System.nanoTime();
    meta.run("recall", tx -> {
      Versioned d = tx.get(dk);
      if (!d.exists() || d.version() != r.version || tx.get(rk).exists()) {
        return null; // gone already, or asked for already
      }
      tx.require(d);
      tx.requireAbsent(rk);
      tx.put(rk, Keys.longBytes(sid));
      return null;
    });
    long deadline = start + 2 * config.sessionTtl().toNanos() + config.barrierTimeout().toNanos();
    synchronized (released) {
      while (true) {
        Versioned d = cache.get(dk);
        if (!d.exists() || d.version() != r.version) {
          break;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new FsException(Errno.EIO, "the delegation of directory " + r.dir
              + " was not released within " + TimeUnit.NANOSECONDS.toMillis(left + deadline - start) + " ms");
        }
        try {
          TimeUnit.NANOSECONDS.timedWait(released, Math.min(left, TimeUnit.MILLISECONDS.toNanos(100)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new FsException(Errno.EINTR, "interrupted recalling directory " + r.dir);
        }
      }
    }
    recallWait.update(System.nanoTime() - start, TimeUnit.NANOSECONDS);
  }

  /** Feed observer: recalls of this client's delegations, released delegations, back-off. */
  void onEvent(ChangeEvent e) {
    boolean changed = false;
    for (Change c : e.changes()) {
      if (!k.is(c.key(), Keys.DELEG)) {
        continue;
      }
      changed = true;
      long dir = k.dirOfDelegKey(c.key());
      if (k.kindOfDelegKey(c.key()) == Keys.DELEG_RECALL && !c.deleted()) {
        backoffUntil.put(dir, System.nanoTime() + config.delegationBackoff().toNanos());
        streak.remove(dir);
        Held h = held.get(dir);
        if (h != null) {
          h.recalled = true;
          synchronized (q) {
            q.notifyAll();
          }
        }
      } else if (k.kindOfDelegKey(c.key()) == Keys.DELEG_HOLDER) {
        Held h = held.get(dir);
        if (h != null && c.version() != h.version && !h.releasing) {
          // Deleted (or retaken) by someone else: this session was expired under us.
          loseAll(new FsException(Errno.EIO, "delegation of directory " + dir
              + " was removed by another session at revision " + e.revision()));
        }
      }
    }
    if (changed) {
      synchronized (released) {
        released.notifyAll();
      }
    }
  }

  // ---- the pipeline ----

  private void pipelineLoop() {
    long delay = config.delegationDelay().toNanos();
    int max = config.delegationBatch();
    while (true) {
      List<Queued> batch = new ArrayList<>();
      List<Held> releasing = new ArrayList<>();
      synchronized (q) {
        while (true) {
          if (halted) {
            return;
          }
          boolean recall = anyRecalled();
          boolean due = !queue.isEmpty() && (queue.size() >= max || closing || recall
              || flushWanted > committedSeq || System.nanoTime() - oldestNanos >= delay);
          if (due || recall) {
            break;
          }
          if (closing && queue.isEmpty()) {
            return;
          }
          try {
            if (queue.isEmpty()) {
              q.wait();
            } else {
              TimeUnit.NANOSECONDS.timedWait(q, Math.max(1, delay - (System.nanoTime() - oldestNanos)));
            }
          } catch (InterruptedException e) {
            return;
          }
        }
        while (!queue.isEmpty() && batch.size() < max) {
          batch.add(queue.pollFirst());
        }
        oldestNanos = System.nanoTime();
        Set<Long> stillQueued = new HashSet<>();
        for (Queued x : queue) {
          stillQueued.add(x.dir);
        }
        for (Held h : held.values()) {
          if (h.recalled && !stillQueued.contains(h.dir)) {
            h.releasing = true; // from now on nothing is queued in it (enqueue checks under q)
            releasing.add(h);
          }
        }
      }
      try {
        commit(batch, releasing);
      } catch (RuntimeException e) {
        loseAll(new FsException(Errno.EIO, "committing delegated operations failed: " + e, e));
      }
    }
  }

  private boolean anyRecalled() {
    for (Held h : held.values()) {
      if (h.recalled) {
        return true;
      }
    }
    return false;
  }

  /** One txn: the batch's net effect, the compares of every delegation it uses, the releases. */
  private void commit(List<Queued> batch, List<Held> releasing) {
    if (batch.isEmpty() && releasing.isEmpty() || lost != null) {
      if (lost != null) {
        releasing.forEach(h -> held.remove(h.dir));
      }
      return;
    }
    Txn.Builder b = Txn.builder();
    Set<Long> dirs = new HashSet<>();
    Map<Key, Op> net = new LinkedHashMap<>();
    Set<Key> compared = new HashSet<>();
    for (Queued x : batch) {
      dirs.add(x.dir);
      for (byte[] a : x.absent) {
        Key key = new Key(a);
        if (!net.containsKey(key) && compared.add(key)) {
          b.requireAbsent(a);
        }
      }
      for (Op op : x.ops) {
        net.merge(new Key(op.key()), op, Delegations::combine);
      }
    }
    for (Held h : releasing) {
      dirs.add(h.dir);
      net.put(new Key(k.deleg(h.dir)), new Op.Delete(k.deleg(h.dir)));
      net.put(new Key(k.recall(h.dir)), new Op.Delete(k.recall(h.dir)));
      net.put(new Key(k.sessionDeleg(sid, h.dir)), new Op.Delete(k.sessionDeleg(sid, h.dir)));
    }
    for (long dir : dirs) {
      Held h = held.get(dir);
      if (h == null) {
        throw new FsException(Errno.EIO, "delegated operations in directory " + dir + " with no delegation");
      }
      b.requireVersion(k.deleg(dir), h.version);
    }
    List<Op> ops = new ArrayList<>(net.values());
    ops.forEach(b::op);
    CommitResult r = meta.store.commit(b.build());
    if (!r.ok()) {
      loseAll(new FsException(Errno.EIO, "delegated batch refused: failed compares " + r.failed()));
      return;
    }
    batches.inc();
    Tx.applyOps(cache, ops, r);
    long last = batch.isEmpty() ? 0 : batch.get(batch.size() - 1).seq;
    for (Op op : ops) {
      overlay.computeIfPresent(new Key(op.key()), (kk, p) -> p.seq <= last ? null : p);
    }
    synchronized (q) {
      for (Held h : releasing) {
        held.remove(h.dir);
      }
      committedSeq = Math.max(committedSeq, last);
      q.notifyAll();
    }
  }

  /** The net effect of two ops on one key, {@code a} first. */
  private static Op combine(Op a, Op b) {
    if (a instanceof Op.Add x && b instanceof Op.Add y) {
      return new Op.Add(x.key(), x.delta() + y.delta());
    }
    if (a instanceof Op.Max x && b instanceof Op.Max y) {
      return new Op.Max(x.key(), Math.max(x.value(), y.value()));
    }
    if (b instanceof Op.Put || b instanceof Op.Delete) {
      return b;
    }
    throw new IllegalStateException("cannot combine " + a + " then " + b + " in one batch");
  }

  /** The delegations are lost (this session expired, or a batch failed): EIO from now on. */
  private void loseAll(FsException cause) {
    synchronized (q) {
      if (lost == null) {
        lost = cause;
        log.error("directory delegations of session {} lost; {} queued operations dropped", sid,
            queue.size(), cause);
      }
      lostDirs.addAll(held.keySet());
      held.clear();
      queue.clear();
      overlay.clear();
      q.notifyAll();
    }
  }

  // ---- the end ----

  /** Commits everything queued and releases every delegation (a clean unmount). */
  void close() {
    if (!enabled()) {
      return;
    }
    for (Held h : held.values()) {
      h.recalled = true;
    }
    synchronized (q) {
      closing = true;
      q.notifyAll();
    }
    try {
      pipeline.join(TimeUnit.SECONDS.toMillis(10) + config.barrierTimeout().toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (pipeline.isAlive()) {
      log.warn("the delegation pipeline of session {} did not finish; interrupting it", sid);
      pipeline.interrupt();
    }
  }

  /** Stops the pipeline without committing what is queued, as if this client died (tests). */
  void halt() {
    synchronized (q) {
      halted = true;
      q.notifyAll();
    }
    if (pipeline != null) {
      try {
        pipeline.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
