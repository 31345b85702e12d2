package io.quorumfs.kv;

/**
 * What a backend can do beyond the minimum contract. The contract suite reads these: a missing
 * capability is declared, never hidden by an empty test override.
 */
public enum Capability {
  /** Data and the revision survive close and reopen of the same URI. */
  PERSISTENT,
  /** {@link KvStore#watch} can resume from any revision still inside a bounded history. */
  WATCH_HISTORY,
  /** Values of at least 4 MiB are accepted in one put. */
  LARGE_VALUES,
  /** A commit that raised {@link KvUnavailableException} is known not to have applied. */
  IDEMPOTENT_COMMIT,
  /** Several independent store instances may open the same URI at once (a server backend). */
  SHARED,
  /**
   * The watch history can be bounded to a small number of commits by configuration (for example
   * {@code mem:?history=N}), so a subscriber from before it gets {@link WatchListener#onResync};
   * the contract suite opens such a store through its {@code newStoreWithHistory} hook. A backend
   * whose history cannot be bounded (a time-based change stream) does not declare it.
   */
  CONFIGURABLE_HISTORY,
  /**
   * {@link KvStore#watch} can hold a cache lease ({@link Watch#coherent()}): commits are
   * acknowledged only after every leased subscriber received them. Clients of such a store may
   * hold directory delegations, so every client of it checks them.
   */
  LEASED_FEED
}
