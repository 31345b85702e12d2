package io.quorumfs.kv;

/** A live {@link KvStore#watch} subscription. */
public interface Watch extends AutoCloseable {

  /**
   * True if every commit acknowledged to any client of the store before this call has already been
   * delivered to the listener (a leased feed, {@code raft://}): a reader may then answer from what
   * the listener built without a round trip. False (the default) means nothing is promised: take a
   * read barrier (the store's current revision, then wait for the feed to pass it).
   */
  default boolean coherent() {
    return false;
  }

  /** Stops delivery; idempotent. The listener gets {@link WatchListener#onClose} with null. */
  @Override
  void close();
}
