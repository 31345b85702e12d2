package io.quorumfs.kv;

/** A live {@link KvStore#watch} subscription. */
public interface Watch extends AutoCloseable {

  /** Stops delivery; idempotent. The listener gets {@link WatchListener#onClose} with null. */
  @Override
  void close();
}
