package io.quorumfs.kv;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A versioned, ordered key-value store with atomic multi-key transactions and a change feed.
 * This is the whole SPI every storage backend implements (mem:, rocks://, redis://,
 * dynamodb://, raft://); everything richer is built on top of it.
 *
 * <h2>Keys, values, versions, revisions</h2>
 * <ul>
 *   <li>Keys and values are byte arrays. Keys are ordered by unsigned lexicographic comparison
 *       ({@link Bytes#compare}). Keys are 1..{@link #MAX_KEY_BYTES} bytes; values may be empty.
 *       Arrays passed in must not be mutated by the caller afterwards; arrays returned must not be
 *       mutated by the caller.</li>
 *   <li>Every successful {@link #commit} is assigned a store-wide <em>revision</em>: strictly
 *       increasing across commits, not necessarily contiguous (a Raft store uses the log index
 *       and a position inside a batched entry). Revision 0 means "before the first commit".</li>
 *   <li>The <em>version</em> of a key is the revision of the commit that last wrote it (put,
 *       delete-then-recreate, or a commutative op). Version 0 means the key is absent. Because
 *       revisions never repeat, a version compare cannot be fooled by delete-and-recreate (no ABA).</li>
 * </ul>
 *
 * <h2>Atomicity and isolation</h2>
 * {@link #commit} is atomic and serializable: its compares are checked and its writes applied as
 * one step relative to every other commit, and the step is visible to {@link #get}, {@link #scan}
 * and {@link #watch} all at once or not at all. Reads ({@code get}, {@code getAll}, {@code scan})
 * return committed data only. {@code getAll} is a consistent snapshot; a multi-page {@code scan}
 * is consistent per page only.
 *
 * <h2>Thread safety</h2>
 * Implementations are safe for concurrent use by any number of threads.
 *
 * <h2>Errors</h2>
 * Methods throw {@link IllegalArgumentException} or {@link NullPointerException} for bad input
 * (null or empty key, limit &le; 0, key over the size limit), {@link KvClosedException} after
 * {@link #close}, {@link KvUnavailableException} when the backing server cannot be reached in
 * time (the operation may or may not have happened for a commit; see its Javadoc), and other
 * {@link KvException}s for backend limits ({@link KvLimitException}). Expected outcomes such as a
 * failed compare are results, never exceptions.
 */
public interface KvStore extends AutoCloseable {

  /** The largest key every backend accepts. */
  int MAX_KEY_BYTES = 4096;

  /** Reads one key. Returns a {@link Versioned} with version 0 and a null value if absent. */
  Versioned get(byte[] key);

  /**
   * Reads several keys as one consistent snapshot. The result has one entry per requested key,
   * in request order (absent keys have version 0).
   */
  default List<Versioned> getAll(List<byte[]> keys) {
    List<Versioned> out = new ArrayList<>(keys.size());
    for (byte[] k : keys) {
      out.add(get(k));
    }
    return out;
  }

  /**
   * Returns up to {@code limit} present keys of {@code range} in ascending order, starting strictly
   * after {@code after} (or at the range start when {@code after} is null). Never materialises
   * more than {@code limit} entries. Use {@link ScanPage#next()} to resume.
   *
   * @throws IllegalArgumentException if {@code limit <= 0}
   */
  ScanPage scan(KeyRange range, int limit, byte[] after);

  /**
   * Atomically checks every compare of {@code txn} and, only if all hold, applies its operations in
   * order. Returns {@link CommitResult#ok} with the new revision, or {@link CommitResult#conflict}
   * with every compare that failed (nothing applied).
   *
   * <p>On {@link KvUnavailableException} the outcome is unknown unless the backend declares
   * {@link Capability#IDEMPOTENT_COMMIT}, in which case it retried internally and an exception
   * means the txn did not and will not apply.
   *
   * @throws KvLimitException if the txn exceeds a backend limit (value size, operation count)
   */
  CommitResult commit(Txn txn);

  /**
   * The revision of the latest commit visible to this store's reads. Reading it is a read
   * barrier: a {@link #watch} subscriber that has been told of this revision (by an event or
   * {@link WatchListener#onProgress}) has seen every commit up to it.
   */
  long revision();

  /**
   * Subscribes to every commit with revision {@code > fromRevision}. Events are delivered to
   * {@code listener} one at a time (never concurrently), in strictly increasing revision order,
   * without gaps or duplicates, on a thread owned by the store. If the store can no longer serve
   * revisions after {@code fromRevision}, the listener gets {@link WatchListener#onResync} and
   * the subscription continues from the revision it names.
   *
   * <p>Values larger than {@link #maxWatchValueBytes()} are not carried in the event
   * ({@link Change#valueOmitted()}); the subscriber must read them.
   *
   * @param fromRevision the last revision the subscriber has already seen (0 = from the start)
   * @return a handle; closing it stops delivery (an event in progress may still complete)
   */
  Watch watch(long fromRevision, WatchListener listener);

  /** The largest value carried inline in a {@link ChangeEvent}. */
  default int maxWatchValueBytes() {
    return 64 * 1024;
  }

  /**
   * The largest {@link Txn#size()} (compares plus operations) one {@link #commit} accepts; a larger
   * txn raises {@link KvLimitException}. Callers that batch (bulk loads, range deletes) split at
   * this size.
   */
  default int maxTxnSize() {
    return Integer.MAX_VALUE;
  }

  /** What this backend can and cannot do; the contract suite reads it. */
  Set<Capability> capabilities();

  /**
   * Releases every resource. Idempotent. Afterwards every method but {@code close} throws
   * {@link KvClosedException}, and watches end (their listeners get
   * {@link WatchListener#onClose}).
   */
  @Override
  void close();
}
