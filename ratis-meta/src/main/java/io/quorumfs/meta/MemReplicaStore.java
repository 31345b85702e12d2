package io.quorumfs.meta;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvClosedException;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/** {@code mem:} replica store: a sorted map under a read-write lock; snapshots are one dump file. */
final class MemReplicaStore implements ReplicaStore {

  private static final String DUMP = "mem.dump";
  private static final int MAGIC = 0x71666d32; // "qfm2": data, then commit-session rows

  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final NavigableMap<byte[], Versioned> data = new TreeMap<>(Bytes.ORDER);
  private final Map<UUID, byte[]> sessions = new TreeMap<>();
  private final int maxWatchValue;
  private Applied applied = Applied.NONE;
  private String groupId;
  private boolean closed;

  MemReplicaStore(int maxWatchValue) {
    this.maxWatchValue = maxWatchValue;
  }

  @Override
  public Applied applied() {
    lock.readLock().lock();
    try {
      return applied;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public EntryResult apply(long term, long index, List<Txn> txns, SessionRows sessionRows) {
    lock.writeLock().lock();
    try {
      checkOpen();
      TxnApplier.Result r = TxnApplier.apply(this::read, index, txns, applied.revision(), maxWatchValue);
      sessionRows.rows(r.outcomes()).forEach((id, row) -> {
        if (row == null) {
          sessions.remove(id);
        } else {
          sessions.put(id, row);
        }
      });
      for (Map.Entry<ByteBuffer, Versioned> w : r.writes().entrySet()) {
        Versioned v = w.getValue();
        if (v.exists()) {
          data.put(v.key(), v);
        } else {
          data.remove(v.key());
        }
      }
      applied = new Applied(term, index, r.lastRevision());
      return new EntryResult(r.outcomes(), r.events());
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public void wipe(long term, long index) {
    lock.writeLock().lock();
    try {
      checkOpen();
      data.clear();
      sessions.clear();
      applied = new Applied(term, index, applied.revision());
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public Map<UUID, byte[]> sessions() {
    lock.readLock().lock();
    try {
      return new TreeMap<>(sessions);
    } finally {
      lock.readLock().unlock();
    }
  }

  private Versioned read(byte[] key) {
    Versioned v = data.get(key);
    return v != null ? v : Versioned.absent(key);
  }

  @Override
  public List<Versioned> getAll(List<byte[]> keys) {
    lock.readLock().lock();
    try {
      checkOpen();
      List<Versioned> out = new ArrayList<>(keys.size());
      for (byte[] k : keys) {
        out.add(read(k));
      }
      return out;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public ScanPage scan(KeyRange range, int limit, byte[] after, int maxBytes) {
    lock.readLock().lock();
    try {
      checkOpen();
      NavigableMap<byte[], Versioned> view = after != null && Bytes.compare(after, range.start()) >= 0
          ? data.tailMap(after, false) : data.tailMap(range.start(), true);
      if (range.end() != null) {
        if (after != null && Bytes.compare(after, range.end()) >= 0) {
          return new ScanPage(List.of(), false);
        }
        view = view.headMap(range.end(), false);
      }
      List<Versioned> out = new ArrayList<>(Math.min(limit, 1024));
      Iterator<Versioned> it = view.values().iterator();
      long bytes = 0;
      while (it.hasNext() && out.size() < limit && bytes < maxBytes) {
        Versioned v = it.next();
        bytes += v.key().length + v.value().length + 16;
        out.add(v);
      }
      return new ScanPage(out, it.hasNext());
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public void snapshotTo(Path dir) throws IOException {
    List<Versioned> copy;
    Map<UUID, byte[]> rows;
    Applied at;
    String group;
    lock.readLock().lock();
    try {
      checkOpen();
      copy = new ArrayList<>(data.values());
      rows = new TreeMap<>(sessions);
      at = applied;
      group = groupId;
    } finally {
      lock.readLock().unlock();
    }
    Files.createDirectories(dir);
    try (DataOutputStream out = new DataOutputStream(new BufferedOutputStream(
        Files.newOutputStream(dir.resolve(DUMP)), 1 << 16))) {
      out.writeInt(MAGIC);
      out.writeLong(at.term());
      out.writeLong(at.index());
      out.writeLong(at.revision());
      out.writeUTF(group == null ? "" : group);
      out.writeLong(copy.size());
      for (Versioned v : copy) {
        out.writeInt(v.key().length);
        out.write(v.key());
        out.writeLong(v.version());
        out.writeInt(v.value().length);
        out.write(v.value());
      }
      out.writeInt(rows.size());
      for (Map.Entry<UUID, byte[]> e : rows.entrySet()) {
        out.write(CommitSessions.idBytes(e.getKey()));
        out.writeInt(e.getValue().length);
        out.write(e.getValue());
      }
    }
  }

  @Override
  public void restoreFrom(Path dir) throws IOException {
    Path file = dir.resolve(DUMP);
    NavigableMap<byte[], Versioned> loaded = new TreeMap<>(Bytes.ORDER);
    Map<UUID, byte[]> rows = new TreeMap<>();
    Applied at;
    String group;
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
      if (in.readInt() != MAGIC) {
        throw new IOException("not a mem: replica snapshot: " + file);
      }
      at = new Applied(in.readLong(), in.readLong(), in.readLong());
      group = in.readUTF();
      long n = in.readLong();
      for (long i = 0; i < n; i++) {
        byte[] k = new byte[in.readInt()];
        in.readFully(k);
        long version = in.readLong();
        byte[] v = new byte[in.readInt()];
        in.readFully(v);
        loaded.put(k, new Versioned(k, v, version));
      }
      int nRows = in.readInt();
      for (int i = 0; i < nRows; i++) {
        byte[] id = new byte[16];
        in.readFully(id);
        byte[] row = new byte[in.readInt()];
        in.readFully(row);
        rows.put(CommitSessions.idOf(id, 0), row);
      }
    }
    lock.writeLock().lock();
    try {
      checkOpen();
      data.clear();
      data.putAll(loaded);
      sessions.clear();
      sessions.putAll(rows);
      applied = at;
      groupId = group.isEmpty() ? groupId : group;
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public Digest digest() {
    lock.readLock().lock();
    try {
      checkOpen();
      DigestBuilder d = new DigestBuilder();
      for (Versioned v : data.values()) {
        d.add(v.key(), v.version(), v.value());
      }
      return d.build();
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public String groupId() {
    lock.readLock().lock();
    try {
      return groupId;
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public void setGroupId(String groupId) {
    lock.writeLock().lock();
    try {
      this.groupId = groupId;
    } finally {
      lock.writeLock().unlock();
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new KvClosedException("mem: replica store is closed");
    }
  }

  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      closed = true;
      data.clear();
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public String toString() {
    return "mem:";
  }
}
