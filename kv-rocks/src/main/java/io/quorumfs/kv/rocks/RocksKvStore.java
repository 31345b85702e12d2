package io.quorumfs.kv.rocks;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.Capability;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvClosedException;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.TxnApply;
import io.quorumfs.kv.Versioned;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.rocksdb.Checkpoint;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;

/**
 * {@code rocks://} – the embedded RocksDB backend, and the local store of every Raft replica.
 *
 * <p>Commits are serialised by one lock: the compares are read, the operations staged and the
 * whole commit written as one {@link WriteBatch} (data, the commit's change record and any side
 * keys), so it is atomic on disk and to readers. The revision is the key of the newest change
 * record, so it survives reopen. {@link #watch} is served in-process from the persisted change
 * history ({@link RocksOptions#historyRevisions()} revisions), so a subscriber can also resume
 * after a reopen; older revisions get RESYNC.
 *
 * <p>For a replicated state machine: {@link #commit(Txn, long, Map)} applies a txn at a revision the
 * caller chooses (the Raft index) and writes side keys (the applied term and index) in the same
 * batch; {@link #sideKey} reads them back after restart; {@link #checkpoint} makes a snapshot that
 * {@link #open} can open. Thread-safe.
 */
public final class RocksKvStore implements KvStore {

  private static final byte[] TRIMMED = "trimmed".getBytes(StandardCharsets.UTF_8);
  private static final byte[] SIDE_PREFIX = "s/".getBytes(StandardCharsets.UTF_8);

  private final RocksHandles h;
  private final RocksOptions options;
  private final ReentrantLock commitLock = new ReentrantLock();
  /** Reused by every commit (cleared first); guarded by {@link #commitLock}. */
  private final WriteBatch batch = new WriteBatch();
  /** Reads and commits hold it shared; close holds it exclusively, so no call races the native close. */
  private final ReentrantReadWriteLock life = new ReentrantReadWriteLock();
  private final CopyOnWriteArrayList<RocksWatch> watches = new CopyOnWriteArrayList<>();
  private volatile long revision;
  private volatile long trimmedThrough;
  private long nextTrimAt;
  private volatile boolean closed;

  private RocksKvStore(RocksHandles h, RocksOptions options) throws RocksDBException {
    this.h = h;
    this.options = options;
    try (RocksIterator it = h.db.newIterator(h.changes)) {
      it.seekToLast();
      revision = it.isValid() ? RocksCodec.getLong(it.key(), 0) : 0;
    }
    byte[] t = h.db.get(h.system, TRIMMED);
    trimmedThrough = t == null ? 0 : RocksCodec.getLong(t, 0);
  }

  /**
   * Opens (creating if needed) the store in {@code dir}.
   *
   * @throws KvException naming the directory if it cannot be created, written or locked (another
   *     process or store has it open)
   */
  public static RocksKvStore open(Path dir, RocksOptions options) {
    Objects.requireNonNull(dir, "dir");
    Objects.requireNonNull(options, "options");
    RocksHandles h = RocksHandles.open(dir, options);
    try {
      return new RocksKvStore(h, options);
    } catch (RocksDBException | RuntimeException e) {
      h.close();
      throw new KvException("cannot open rocks:// store in " + dir + ": " + e.getMessage(), e);
    }
  }

  /** The directory this store lives in. */
  public Path directory() {
    return h.dir;
  }

  public RocksOptions options() {
    return options;
  }

  @Override
  public Versioned get(byte[] key) {
    Txn.checkKey(key);
    lockRead();
    try {
      return RocksCodec.decodeValue(key, h.db.get(h.data, key));
    } catch (RocksDBException e) {
      throw failed("get " + Bytes.show(key), e);
    } finally {
      life.readLock().unlock();
    }
  }

  @Override
  public List<Versioned> getAll(List<byte[]> keys) {
    keys.forEach(Txn::checkKey);
    if (keys.isEmpty()) {
      lockRead();
      life.readLock().unlock();
      return List.of();
    }
    lockRead();
    Snapshot snap = h.db.getSnapshot();
    try (ReadOptions ro = new ReadOptions().setSnapshot(snap)) {
      List<byte[]> stored = h.db.multiGetAsList(ro, Collections.nCopies(keys.size(), h.data), keys);
      List<Versioned> out = new ArrayList<>(keys.size());
      for (int i = 0; i < keys.size(); i++) {
        out.add(RocksCodec.decodeValue(keys.get(i), stored.get(i)));
      }
      return out;
    } catch (RocksDBException e) {
      throw failed("getAll of " + keys.size() + " keys", e);
    } finally {
      h.db.releaseSnapshot(snap);
      life.readLock().unlock();
    }
  }

  @Override
  public ScanPage scan(KeyRange range, int limit, byte[] after) {
    Objects.requireNonNull(range, "range");
    if (limit <= 0) {
      throw new IllegalArgumentException("scan limit must be > 0, got " + limit);
    }
    lockRead();
    try (RocksIterator it = h.db.newIterator(h.data)) {
      boolean resume = after != null && Bytes.compare(after, range.start()) >= 0;
      it.seek(resume ? after : range.start());
      if (resume && it.isValid() && Bytes.compare(it.key(), after) == 0) {
        it.next();
      }
      List<Versioned> out = new ArrayList<>(Math.min(limit, 1024));
      while (it.isValid() && out.size() < limit) {
        byte[] k = it.key();
        if (range.end() != null && Bytes.compare(k, range.end()) >= 0) {
          return new ScanPage(out, false);
        }
        out.add(RocksCodec.decodeValue(k, it.value()));
        it.next();
      }
      boolean more = it.isValid() && (range.end() == null || Bytes.compare(it.key(), range.end()) < 0);
      it.status();
      return new ScanPage(out, more);
    } catch (RocksDBException e) {
      throw failed("scan " + range, e);
    } finally {
      life.readLock().unlock();
    }
  }

  @Override
  public CommitResult commit(Txn txn) {
    return commit(txn, -1, Map.of());
  }

  /**
   * Commits {@code txn} at revision {@code revision} (or the next revision when it is -1) and, in
   * the same atomic write, sets the side keys — <em>whether or not the compares hold</em>, so a
   * replicated state machine records every applied log index, including those of failed txns. Side
   * keys live outside the user key space: scans, gets and watches never see them; read them with
   * {@link #sideKey}.
   *
   * @param revision -1, or a revision greater than {@link #revision()}
   * @param sideKeys names to values (a null value deletes the side key)
   * @throws IllegalArgumentException if {@code revision} is not after the current revision
   */
  public CommitResult commit(Txn txn, long revision, Map<String, byte[]> sideKeys) {
    Objects.requireNonNull(txn, "txn");
    Objects.requireNonNull(sideKeys, "sideKeys");
    lockRead();
    commitLock.lock();
    try {
      long rev = revision == -1 ? this.revision + 1 : revision;
      if (rev <= this.revision) {
        throw new IllegalArgumentException("commit revision " + revision + " is not after the store revision "
            + this.revision);
      }
      batch.clear();
      putSide(batch, sideKeys);
      TxnApply.Outcome o = TxnApply.apply(txn, rev, this::stored, options.maxWatchValueBytes());
      if (o.failed() != null) {
        if (!sideKeys.isEmpty()) {
          h.db.write(h.writeOptions, batch);
        }
        return CommitResult.conflict(o.failedCompares(txn));
      }
      if (o.invalid() != null) {
        throw new IllegalArgumentException(o.invalid());
      }
      stage(o, rev, batch);
      long cut = rev - options.historyRevisions();
      boolean trim = cut > trimmedThrough && rev >= nextTrimAt;
      if (trim) {
        batch.deleteRange(h.changes, RocksCodec.revisionKey(0), RocksCodec.revisionKey(cut + 1));
        batch.put(h.system, TRIMMED, RocksCodec.revisionKey(cut));
      }
      h.db.write(h.writeOptions, batch);
      if (trim) {
        trimmedThrough = cut;
        nextTrimAt = rev + Math.max(1, options.historyRevisions() / 8);
      }
      this.revision = rev;
      for (RocksWatch w : watches) {
        w.wake();
      }
      return CommitResult.ok(rev, o.resultList());
    } catch (RocksDBException e) {
      throw failed("commit", e);
    } finally {
      commitLock.unlock();
      life.readLock().unlock();
    }
  }

  /** Stages an applied txn's writes and its change record into {@code batch}. */
  private void stage(TxnApply.Outcome o, long rev, WriteBatch batch) throws RocksDBException {
    for (Versioned w : o.writes()) {
      if (w.exists()) {
        batch.put(h.data, w.key(), RocksCodec.encodeValue(rev, w.value()));
      } else {
        batch.delete(h.data, w.key());
      }
    }
    batch.put(h.changes, RocksCodec.revisionKey(rev), RocksCodec.encodeChanges(this.revision, o.changes()));
  }

  /** A key's committed state, for {@link TxnApply} (under the commit lock). */
  private Versioned stored(byte[] key) {
    byte[] raw;
    try {
      raw = h.db.get(h.data, key);
    } catch (RocksDBException e) {
      throw failed("read", e);
    }
    return raw == null ? Versioned.absent(key) : RocksCodec.decodeValue(key, raw);
  }

  private void putSide(WriteBatch batch, Map<String, byte[]> sideKeys) throws RocksDBException {
    for (Map.Entry<String, byte[]> e : sideKeys.entrySet()) {
      byte[] k = Bytes.concat(SIDE_PREFIX, e.getKey().getBytes(StandardCharsets.UTF_8));
      if (e.getValue() == null) {
        batch.delete(h.system, k);
      } else {
        batch.put(h.system, k, e.getValue());
      }
    }
  }

  /** Writes side keys atomically, without a commit or a revision change. */
  public void putSideKeys(Map<String, byte[]> sideKeys) {
    lockRead();
    commitLock.lock();
    try {
      batch.clear();
      putSide(batch, sideKeys);
      h.db.write(h.writeOptions, batch);
    } catch (RocksDBException e) {
      throw failed("putSideKeys", e);
    } finally {
      commitLock.unlock();
      life.readLock().unlock();
    }
  }

  /** The value of a side key written by {@link #commit(Txn, long, Map)}, or null. */
  public byte[] sideKey(String name) {
    lockRead();
    try {
      return h.db.get(h.system, Bytes.concat(SIDE_PREFIX, name.getBytes(StandardCharsets.UTF_8)));
    } catch (RocksDBException e) {
      throw failed("sideKey " + name, e);
    } finally {
      life.readLock().unlock();
    }
  }

  /**
   * Writes a consistent snapshot of the whole store (data, change history, side keys) to
   * {@code target}, which must not exist yet; files are hard-linked where possible. Open it with
   * {@link #open}. Returns the revision the snapshot holds.
   */
  public long checkpoint(Path target) {
    Objects.requireNonNull(target, "target");
    lockRead();
    commitLock.lock();
    try (Checkpoint cp = Checkpoint.create(h.db)) {
      cp.createCheckpoint(target.toAbsolutePath().toString());
      return revision;
    } catch (RocksDBException e) {
      throw new KvException("rocks:// checkpoint of " + h.dir + " to " + target + " failed: " + e.getMessage(), e);
    } finally {
      commitLock.unlock();
      life.readLock().unlock();
    }
  }

  @Override
  public long revision() {
    checkOpen();
    return revision;
  }

  @Override
  public Watch watch(long fromRevision, WatchListener listener) {
    if (fromRevision < 0) {
      throw new IllegalArgumentException("fromRevision must be >= 0, got " + fromRevision);
    }
    Objects.requireNonNull(listener, "listener");
    checkOpen();
    RocksWatch w = new RocksWatch(this, fromRevision, listener);
    watches.add(w);
    w.start();
    return w;
  }

  void removeWatch(RocksWatch w) {
    watches.remove(w);
  }

  boolean isClosed() {
    return closed;
  }

  long headRevision() {
    return revision;
  }

  /**
   * Up to {@code max} change events after {@code after}, or null if the store is closed. A gap
   * (the history was trimmed past {@code after}) yields an empty list with {@code gap} set.
   */
  RocksWatch.Batch readChanges(long after, int max) {
    if (!life.readLock().tryLock()) {
      return null;
    }
    if (closed) {
      life.readLock().unlock();
      return null;
    }
    try (RocksIterator it = h.db.newIterator(h.changes)) {
      it.seek(RocksCodec.revisionKey(after + 1));
      List<ChangeEvent> out = new ArrayList<>();
      while (it.isValid() && out.size() < max) {
        long rev = RocksCodec.getLong(it.key(), 0);
        byte[] record = it.value();
        if (out.isEmpty() && RocksCodec.previousOf(record) > after) {
          return new RocksWatch.Batch(List.of(), true);
        }
        out.add(RocksCodec.decodeChanges(rev, record));
        it.next();
      }
      if (out.isEmpty() && revision > after && trimmedThrough > after) {
        return new RocksWatch.Batch(List.of(), true);
      }
      return new RocksWatch.Batch(out, false);
    } finally {
      life.readLock().unlock();
    }
  }

  @Override
  public int maxWatchValueBytes() {
    return options.maxWatchValueBytes();
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.PERSISTENT, Capability.WATCH_HISTORY, Capability.LARGE_VALUES,
        Capability.IDEMPOTENT_COMMIT, Capability.CONFIGURABLE_HISTORY);
  }

  @Override
  public void close() {
    life.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      for (RocksWatch w : watches) {
        w.wake();
      }
      batch.close();
      h.close();
    } finally {
      life.writeLock().unlock();
    }
  }

  private void lockRead() {
    life.readLock().lock();
    if (closed) {
      life.readLock().unlock();
      throw new KvClosedException("rocks:// store " + h.dir + " is closed");
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new KvClosedException("rocks:// store " + h.dir + " is closed");
    }
  }

  private KvException failed(String what, RocksDBException e) {
    return new KvException("rocks:// " + what + " failed in " + h.dir + ": " + e.getMessage(), e);
  }

  @Override
  public String toString() {
    return "rocks://" + h.dir;
  }
}
