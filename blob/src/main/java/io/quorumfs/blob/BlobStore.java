package io.quorumfs.blob;

import java.time.Instant;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A content-addressed store of immutable blobs, each named by the SHA-256 of its content
 * ({@link BlobId}). Implementations: a directory ({@code file:///path}, {@link DirBlobStore}), any
 * {@link io.quorumfs.kv.KvStore} ({@link KvBlobStore}), a blob server ({@code http://host:port}),
 * and a local cache in front of a remote ({@link PairedBlobStore}). Open one by URI with
 * {@link BlobStores#open}.
 *
 * <h2>Guarantees</h2>
 * <ul>
 *   <li><b>Never wrong data.</b> Every read verifies the content against its id; a mismatch throws
 *       {@link BlobCorruptException} naming the id, and no byte of the bad content is returned.</li>
 *   <li><b>Never partial.</b> A blob becomes visible under its id only once all of it is durably
 *       stored; a crash or an error in the middle of {@link #put} leaves the id absent (possibly with
 *       invisible leftovers that garbage collection removes).</li>
 *   <li><b>Idempotent.</b> Putting the same content twice stores it once; every operation may be
 *       retried after an error.</li>
 *   <li><b>Stamps.</b> Each blob carries a stamp: the time it was last written. A {@link #put} of
 *       content already present, and a {@link #missing} query that finds it, refresh a stamp older
 *       than the store's refresh interval (an hour by default), so a blob a client has just decided
 *       to reference is never an "old, unreferenced" blob to the garbage collector (see
 *       {@link BlobGc}).</li>
 * </ul>
 *
 * <h2>Thread safety</h2>
 * Implementations are safe for concurrent use by any number of threads, and several processes may
 * share one store (the directory store: on one local file system; KV and http stores: through their
 * server).
 *
 * <h2>Errors</h2>
 * {@link IllegalArgumentException} / {@link NullPointerException} for bad arguments;
 * {@link BlobNotFoundException} when a read names an absent blob; {@link BlobCorruptException} when
 * stored bytes do not match their id; {@link BlobTooLargeException} when a blob exceeds the store's
 * size bound; {@link BlobUnavailableException} when a remote store cannot be reached in time; other
 * {@link BlobException}s for I/O and backend failures (the cause attached). After {@link #close}
 * every method but {@code close} throws {@link BlobException}.
 */
public interface BlobStore extends AutoCloseable {

  /**
   * Stores {@code content} durably and returns its id. If the blob is present already, nothing is
   * rewritten (its stamp may be refreshed). {@code content} must not be mutated during the call.
   *
   * @throws BlobTooLargeException if {@code content} exceeds the store's bound
   */
  BlobId put(byte[] content);

  /**
   * Stores {@code content} whose id the caller has just computed ({@code BlobId.of(content)}),
   * saving a second SHA-256 pass where the store can take the id on trust (directory and KV
   * stores); other stores hash again and refuse a mismatch. Otherwise as {@link #put}.
   *
   * @throws IllegalArgumentException if the store hashes the content and it is not {@code id}
   */
  default void putHashed(BlobId id, byte[] content) {
    BlobId got = put(content);
    if (!got.equals(id)) {
      throw new IllegalArgumentException("content of " + content.length + " bytes hashes to " + got + ", not " + id);
    }
  }

  /**
   * Reads a whole blob, verified against {@code id}.
   *
   * @throws BlobNotFoundException if absent
   * @throws BlobCorruptException if the stored bytes do not hash to {@code id}
   */
  byte[] get(BlobId id);

  /**
   * Reads {@code length} bytes of a blob starting at {@code offset}; fewer if the blob ends first
   * (an empty array at the very end). The whole blob is verified before any byte is returned, so a
   * range read costs a full read on the store's side (blobs are chunks of a few MiB) — except in
   * the directory store, which reads just the range of a blob it has verified (or written) since
   * it was opened (see {@link DirBlobStore}).
   *
   * @throws IllegalArgumentException if {@code offset < 0}, {@code length < 0}, or {@code offset}
   *     is past the end of the blob (the message names the blob's size)
   * @throws BlobNotFoundException if absent
   * @throws BlobCorruptException if the stored bytes do not hash to {@code id}
   */
  byte[] get(BlobId id, long offset, int length);

  /** The size and stamp of a blob, or empty if absent. Does not verify the content. */
  Optional<BlobInfo> info(BlobId id);

  /**
   * Which of {@code ids} the store does not have, answered in one round trip. Ids found present get
   * their stale stamps refreshed (see above).
   */
  Set<BlobId> missing(Collection<BlobId> ids);

  /** True if the store has {@code id}; {@code missing(List.of(id)).isEmpty()}. */
  default boolean contains(BlobId id) {
    return missing(List.of(id)).isEmpty();
  }

  /** Removes every blob of {@code ids} that is present; absent ids are ignored. */
  default void delete(Collection<BlobId> ids) {
    deleteIfOlder(ids, Instant.MAX);
  }

  /**
   * Removes every blob of {@code ids} whose stamp is before {@code cutoff}, the primitive garbage
   * collection uses. A blob whose stamp is refreshed (re-put) concurrently with this call either
   * keeps its new stamp and survives, or was deleted before the refresh and is absent to it (so the
   * put stores it again): a put that returned after the deletion never leaves the blob missing.
   *
   * @return how many blobs were deleted
   */
  int deleteIfOlder(Collection<BlobId> ids, Instant cutoff);

  /**
   * Lists up to {@code limit} blobs in ascending id order, strictly after {@code after} (from the
   * start if null). Never materialises more than about {@code limit} entries.
   *
   * @throws IllegalArgumentException if {@code limit <= 0}
   */
  BlobPage list(BlobId after, int limit);

  /** Releases every resource. Idempotent. */
  @Override
  void close();
}
