package io.quorumfs.meta;

import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One replica's own copy of the data: what {@link MetaStateMachine} applies committed entries
 * to. Unlike a {@link io.quorumfs.kv.KvStore}, the caller assigns revisions, and the applied log
 * position is written in the same atomic step as the data, so a restart knows exactly which
 * entries are already in.
 *
 * <p>{@link #apply} is called by one thread at a time (the Raft apply thread); reads may run
 * concurrently with it and see either all of an entry or none of it.
 */
interface ReplicaStore extends AutoCloseable {

  /** Where the data stands: the last applied log entry and the last successful txn's revision. */
  record Applied(long term, long index, long revision) {
    static final Applied NONE = new Applied(0, -1, 0);
  }

  /** The outcome of applying one entry: one result per txn, one event per successful txn. */
  record EntryResult(List<TxnApplier.TxnOutcome> outcomes, List<io.quorumfs.kv.ChangeEvent> events) {}

  Applied applied();

  /**
   * Applies the txns of log entry {@code (term, index)} in order, each checked on its own, and
   * records the entry as applied, atomically. An empty list only records the position.
   */
  default EntryResult apply(long term, long index, List<Txn> txns) {
    return apply(term, index, txns, outcomes -> java.util.Map.of());
  }

  /**
   * As {@link #apply(long, long, List)}, and also writes the commit-session rows that
   * {@code sessionRows} returns for the txns' outcomes (client id to row, null deletes) in the
   * same atomic step ({@link CommitSessions}).
   */
  EntryResult apply(long term, long index, List<Txn> txns, SessionRows sessionRows);

  /** Computes the commit-session rows to persist with an entry, from its txns' outcomes. */
  interface SessionRows {
    java.util.Map<java.util.UUID, byte[]> rows(List<TxnApplier.TxnOutcome> outcomes);
  }

  /** Every persisted commit-session row (client id to row). */
  java.util.Map<java.util.UUID, byte[]> sessions();

  /**
   * Deletes every key and every commit-session row ({@link CommitSessions}) and records entry
   * {@code (term, index)} as applied, atomically (the test-only reset entry, {@link Wire#RESET}).
   */
  void wipe(long term, long index);

  List<Versioned> getAll(List<byte[]> keys);

  ScanPage scan(KeyRange range, int limit, byte[] after, int maxBytes);

  /** Writes a self-contained copy of the current state into {@code dir} (which must not exist). */
  void snapshotTo(Path dir) throws IOException;

  /** Replaces the whole state with the copy in {@code dir} written by {@link #snapshotTo}. */
  void restoreFrom(Path dir) throws IOException;

  /** SHA-256 over every (key, version, value) in key order, with the key count. */
  Digest digest();

  /** A content digest, equal on replicas holding equal data. */
  record Digest(long keys, String sha256) {}

  /** The raft group this store belongs to (null while unset). */
  String groupId();

  void setGroupId(String groupId);

  @Override
  void close();
}
