package io.quorumfs.kv;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real store behind a gate: while the gate is shut, {@link #commit} refuses with
 * {@link KvUnavailableException} (an unreachable server), so tests can hold back a
 * {@link PairedStore}'s propagation. Reads always pass. Shipped in the test-jar.
 */
public final class GatedKvStore extends ForwardingKvStore {

  private volatile boolean open;
  private final AtomicInteger refused = new AtomicInteger();

  public GatedKvStore(KvStore inner, boolean open) {
    super(inner);
    this.open = open;
  }

  public void open() {
    open = true;
  }

  public void shut() {
    open = false;
  }

  /** How many commits the shut gate refused. */
  public int refusedCommits() {
    return refused.get();
  }

  public KvStore inner() {
    return inner;
  }

  @Override
  public CommitResult commit(Txn txn) {
    if (!open) {
      refused.incrementAndGet();
      throw new KvUnavailableException("gate shut: " + inner + " refuses commits");
    }
    return inner.commit(txn);
  }

  @Override
  public String toString() {
    return "gated(" + inner + ")";
  }
}
