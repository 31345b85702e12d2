package io.quorumfs.meta;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvClosedException;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;
import org.rocksdb.Checkpoint;
import org.rocksdb.FlushOptions;
import org.rocksdb.Options;
import org.rocksdb.ReadOptions;
import org.rocksdb.RocksDB;
import org.rocksdb.RocksDBException;
import org.rocksdb.RocksIterator;
import org.rocksdb.Slice;
import org.rocksdb.Snapshot;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;

/**
 * {@code rocks://path} replica store, on RocksDB directly. Layout: data key {@code 'd' + key}
 * holds {@code version (8 bytes) + value}; commit-session rows are {@code 's' + client id}; meta key {@code 'm' + name} holds the applied position
 * ({@code term, index, revision}) and the raft group id. One entry is one WriteBatch including
 * the applied position.
 *
 * <p>Apply writes skip RocksDB's WAL: the Raft log is the durable record. After a crash the store
 * holds a consistent prefix of its entries (whatever its memtables flushed; each entry's batch,
 * applied position included, is atomic), and Ratis replays the log from the latest snapshot, where
 * entries at or below the persisted position are skipped. That needs the log to reach back to the
 * persisted position: the log is purged only up to a snapshot, and a snapshot (a RocksDB
 * checkpoint, hard links) flushes the memtables first, so the store is never behind its newest
 * snapshot. Only the group id is written with a synced WAL.
 */
final class RocksReplicaStore implements ReplicaStore {

  static {
    RocksDB.loadLibrary();
  }

  private static final byte[] APPLIED = "mapplied".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] GROUP = "mgroup".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] DATA_START = {'d'};
  /** Commit-session rows: {@code 's' + client id (16 bytes)} ({@link CommitSessions}). */
  private static final byte[] SESSION_START = {'s'};
  private static final byte[] SESSION_END = {'t'};
  private static final byte[] DATA_END = {'e'};

  private final Path dir;
  private final int maxWatchValue;
  /** Reads and apply share it; restore and close take it exclusively (they swap the handle). */
  private final ReentrantReadWriteLock handle = new ReentrantReadWriteLock();
  /** Apply's writes: no WAL (see the class comment), so no write(2) per entry. */
  private final WriteOptions writeOptions = new WriteOptions().setDisableWAL(true);
  private Options options;
  private RocksDB db;
  private volatile Applied applied;

  RocksReplicaStore(Path dir, int maxWatchValue) {
    this.dir = dir;
    this.maxWatchValue = maxWatchValue;
    try {
      finishRestore(dir);
      Files.createDirectories(dir);
      open();
    } catch (IOException e) {
      throw new KvException("cannot open replica store at " + dir + ": " + e.getMessage(), e);
    }
  }

  private static Path restoring(Path dir) {
    return dir.resolveSibling(dir.getFileName() + ".restoring");
  }

  private static Path replaced(Path dir) {
    return dir.resolveSibling(dir.getFileName() + ".replaced");
  }

  /**
   * Completes or undoes a {@link #restoreFrom} a crash interrupted. The copy goes to a sibling
   * ({@code .restoring}) and is complete before the swap: {@code dir} → {@code .replaced}, then
   * {@code .restoring} → {@code dir}. So a missing {@code dir} with a {@code .replaced} means the
   * crash came between the two renames and the copy is whole; a {@code .restoring} beside a
   * {@code dir} is an unfinished copy.
   */
  static void finishRestore(Path dir) throws IOException {
    Path copy = restoring(dir);
    Path old = replaced(dir);
    if (!Files.exists(dir) && Files.isDirectory(old) && Files.isDirectory(copy)) {
      Files.move(copy, dir, StandardCopyOption.ATOMIC_MOVE);
    }
    deleteTree(copy);
    deleteTree(old);
  }

  private void open() throws IOException {
    options = new Options().setCreateIfMissing(true);
    try {
      db = RocksDB.open(options, dir.toString());
      byte[] a = db.get(APPLIED);
      applied = a == null ? Applied.NONE : decodeApplied(a);
    } catch (RocksDBException e) {
      options.close();
      throw new IOException("RocksDB open of " + dir + " failed: " + e.getMessage(), e);
    }
  }

  private static Applied decodeApplied(byte[] a) {
    ByteBuffer b = ByteBuffer.wrap(a);
    return new Applied(b.getLong(), b.getLong(), b.getLong());
  }

  private static byte[] dataKey(byte[] key) {
    byte[] k = new byte[key.length + 1];
    k[0] = 'd';
    System.arraycopy(key, 0, k, 1, key.length);
    return k;
  }

  private static Versioned decode(byte[] key, byte[] stored) {
    if (stored == null) {
      return Versioned.absent(key);
    }
    long version = ByteBuffer.wrap(stored).getLong();
    return new Versioned(key, Arrays.copyOfRange(stored, 8, stored.length), version);
  }

  private static byte[] encode(Versioned v) {
    return ByteBuffer.allocate(8 + v.value().length).putLong(v.version()).put(v.value()).array();
  }

  @Override
  public Applied applied() {
    return applied;
  }

  @Override
  public EntryResult apply(long term, long index, List<Txn> txns, SessionRows sessionRows) {
    handle.readLock().lock();
    try {
      checkOpen();
      TxnApplier.Result r = TxnApplier.apply(this::read, index, txns, applied.revision(), maxWatchValue);
      Applied next = new Applied(term, index, r.lastRevision());
      try (WriteBatch batch = new WriteBatch()) {
        for (Map.Entry<ByteBuffer, Versioned> w : r.writes().entrySet()) {
          Versioned v = w.getValue();
          if (v.exists()) {
            batch.put(dataKey(v.key()), encode(v));
          } else {
            batch.delete(dataKey(v.key()));
          }
        }
        for (Map.Entry<UUID, byte[]> row : sessionRows.rows(r.outcomes()).entrySet()) {
          if (row.getValue() == null) {
            batch.delete(sessionKey(row.getKey()));
          } else {
            batch.put(sessionKey(row.getKey()), row.getValue());
          }
        }
        batch.put(APPLIED, ByteBuffer.allocate(24).putLong(term).putLong(index).putLong(next.revision()).array());
        db.write(writeOptions, batch);
      } catch (RocksDBException e) {
        throw new KvException("replica store write of entry " + index + " failed at " + dir + ": " + e.getMessage(), e);
      }
      applied = next;
      return new EntryResult(r.outcomes(), r.events());
    } finally {
      handle.readLock().unlock();
    }
  }

  @Override
  public void wipe(long term, long index) {
    handle.readLock().lock();
    try (WriteBatch batch = new WriteBatch()) {
      checkOpen();
      batch.deleteRange(DATA_START, DATA_END);
      batch.deleteRange(SESSION_START, SESSION_END);
      batch.put(APPLIED, ByteBuffer.allocate(24).putLong(term).putLong(index).putLong(applied.revision()).array());
      db.write(writeOptions, batch);
      applied = new Applied(term, index, applied.revision());
    } catch (RocksDBException e) {
      throw new KvException("replica store wipe failed at " + dir + ": " + e.getMessage(), e);
    } finally {
      handle.readLock().unlock();
    }
  }

  private static byte[] sessionKey(UUID id) {
    byte[] k = new byte[17];
    k[0] = 's';
    System.arraycopy(CommitSessions.idBytes(id), 0, k, 1, 16);
    return k;
  }

  @Override
  public Map<UUID, byte[]> sessions() {
    handle.readLock().lock();
    try {
      checkOpen();
      Map<UUID, byte[]> out = new java.util.TreeMap<>();
      try (Slice bound = new Slice(SESSION_END);
           ReadOptions ro = new ReadOptions().setIterateUpperBound(bound);
           RocksIterator it = db.newIterator(ro)) {
        for (it.seek(SESSION_START); it.isValid(); it.next()) {
          out.put(CommitSessions.idOf(it.key(), 1), it.value());
        }
      }
      return out;
    } finally {
      handle.readLock().unlock();
    }
  }

  private Versioned read(byte[] key) {
    try {
      return decode(key, db.get(dataKey(key)));
    } catch (RocksDBException e) {
      throw new KvException("replica store read failed at " + dir + ": " + e.getMessage(), e);
    }
  }

  @Override
  public List<Versioned> getAll(List<byte[]> keys) {
    handle.readLock().lock();
    try {
      checkOpen();
      if (keys.isEmpty()) {
        return List.of();
      }
      List<byte[]> dk = new ArrayList<>(keys.size());
      for (byte[] k : keys) {
        dk.add(dataKey(k));
      }
      try (Snapshot snap = db.getSnapshot(); ReadOptions ro = new ReadOptions().setSnapshot(snap)) {
        List<byte[]> raw = db.multiGetAsList(ro, dk);
        List<Versioned> out = new ArrayList<>(keys.size());
        for (int i = 0; i < keys.size(); i++) {
          out.add(decode(keys.get(i), raw.get(i)));
        }
        db.releaseSnapshot(snap);
        return out;
      } catch (RocksDBException e) {
        throw new KvException("replica store read failed at " + dir + ": " + e.getMessage(), e);
      }
    } finally {
      handle.readLock().unlock();
    }
  }

  @Override
  public ScanPage scan(KeyRange range, int limit, byte[] after, int maxBytes) {
    handle.readLock().lock();
    try {
      checkOpen();
      byte[] upper = range.end() == null ? DATA_END : dataKey(range.end());
      try (Slice bound = new Slice(upper);
           ReadOptions ro = new ReadOptions().setIterateUpperBound(bound);
           RocksIterator it = db.newIterator(ro)) {
        boolean resume = after != null && Bytes.compare(after, range.start()) >= 0;
        byte[] seek = dataKey(resume ? after : range.start());
        it.seek(seek);
        if (resume && it.isValid() && Arrays.equals(it.key(), seek)) {
          it.next();
        }
        List<Versioned> out = new ArrayList<>(Math.min(limit, 1024));
        long bytes = 0;
        while (it.isValid() && out.size() < limit && bytes < maxBytes) {
          byte[] k = it.key();
          byte[] key = Arrays.copyOfRange(k, 1, k.length);
          Versioned v = decode(key, it.value());
          bytes += key.length + v.value().length + 16;
          out.add(v);
          it.next();
        }
        return new ScanPage(out, it.isValid());
      }
    } finally {
      handle.readLock().unlock();
    }
  }

  @Override
  public void snapshotTo(Path target) throws IOException {
    handle.readLock().lock();
    try (Checkpoint cp = Checkpoint.create(db); FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
      checkOpen();
      db.flush(flush); // apply skips the WAL: the checkpoint must hold everything applied so far
      Files.createDirectories(target.getParent());
      cp.createCheckpoint(target.toString());
    } catch (RocksDBException e) {
      throw new IOException("RocksDB checkpoint of " + dir + " into " + target + " failed: " + e.getMessage(), e);
    } finally {
      handle.readLock().unlock();
    }
  }

  @Override
  public void restoreFrom(Path source) throws IOException {
    handle.writeLock().lock();
    try {
      checkOpen();
      // Installed beside the live store and swapped in by renames: a crash at any point leaves
      // either the old store or the new one whole (see finishRestore).
      Path copy = restoring(dir);
      deleteTree(copy);
      Files.createDirectories(copy);
      try (Stream<Path> files = Files.list(source)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          String name = f.getFileName().toString();
          if (name.endsWith(".md5") || !Files.isRegularFile(f)) {
            continue;
          }
          Path to = copy.resolve(name);
          if (name.endsWith(".sst")) {
            try {
              Files.createLink(to, f); // immutable files: share them
              continue;
            } catch (IOException | UnsupportedOperationException e) {
              // another file system: copy instead
            }
          }
          Files.copy(f, to);
        }
      }
      db.close();
      options.close();
      db = null;
      Path old = replaced(dir);
      deleteTree(old);
      Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
      Files.move(copy, dir, StandardCopyOption.ATOMIC_MOVE);
      deleteTree(old);
      open();
    } finally {
      handle.writeLock().unlock();
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : (Iterable<Path>) walk.sorted(Comparator.reverseOrder())::iterator) {
        Files.delete(p);
      }
    }
  }

  @Override
  public Digest digest() {
    handle.readLock().lock();
    try {
      checkOpen();
      DigestBuilder d = new DigestBuilder();
      try (Slice bound = new Slice(DATA_END);
           ReadOptions ro = new ReadOptions().setIterateUpperBound(bound);
           RocksIterator it = db.newIterator(ro)) {
        for (it.seek(DATA_START); it.isValid(); it.next()) {
          byte[] k = it.key();
          Versioned v = decode(Arrays.copyOfRange(k, 1, k.length), it.value());
          d.add(v.key(), v.version(), v.value());
        }
      }
      return d.build();
    } finally {
      handle.readLock().unlock();
    }
  }

  @Override
  public String groupId() {
    handle.readLock().lock();
    try {
      checkOpen();
      byte[] g = db.get(GROUP);
      return g == null ? null : new String(g, StandardCharsets.UTF_8);
    } catch (RocksDBException e) {
      throw new KvException("replica store read failed at " + dir + ": " + e.getMessage(), e);
    } finally {
      handle.readLock().unlock();
    }
  }

  @Override
  public void setGroupId(String groupId) {
    handle.readLock().lock();
    try (WriteOptions sync = new WriteOptions().setSync(true)) {
      checkOpen();
      db.put(sync, GROUP, groupId.getBytes(StandardCharsets.UTF_8));
    } catch (RocksDBException e) {
      throw new KvException("replica store write failed at " + dir + ": " + e.getMessage(), e);
    } finally {
      handle.readLock().unlock();
    }
  }

  private void checkOpen() {
    if (db == null) {
      throw new KvClosedException("replica store " + dir + " is closed");
    }
  }

  @Override
  public void close() {
    handle.writeLock().lock();
    try {
      if (db != null) {
        try (FlushOptions flush = new FlushOptions().setWaitForFlush(true)) {
          db.flush(flush); // apply skips the WAL; a clean stop leaves nothing to replay
        } catch (RocksDBException e) {
          // the Raft log still holds what was not flushed: the next start replays it
        }
        db.close();
        options.close();
        db = null;
      }
    } finally {
      handle.writeLock().unlock();
    }
  }

  @Override
  public String toString() {
    return "rocks://" + dir;
  }
}
