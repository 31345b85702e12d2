package io.quorumfs.kv;

/**
 * Receives a {@link KvStore#watch} subscription. Calls are serial (never concurrent) and in
 * revision order. A listener should return quickly; a slow listener delays only its own
 * subscription, never commits (a backend may end a subscription that falls too far behind with
 * {@link #onResync}). An exception thrown by a listener ends its subscription with
 * {@link #onClose}.
 */
public interface WatchListener {

  /** One commit, revision strictly greater than every revision delivered before. */
  void onEvent(ChangeEvent event);

  /**
   * The store could not deliver every change after the requested revision (history trimmed, or
   * this subscriber lagged). Everything the subscriber cached is suspect and must be dropped;
   * delivery continues with revisions {@code > revision}.
   */
  void onResync(long revision);

  /**
   * Every commit up to {@code revision} has been delivered (sent when the store is idle or
   * periodically), so a reader waiting for a barrier at {@code revision} can proceed.
   */
  default void onProgress(long revision) {}

  /**
   * The subscription ended: closed by the subscriber or the store ({@code cause} null), or failed
   * ({@code cause} says why). No call follows.
   */
  default void onClose(Throwable cause) {}
}
