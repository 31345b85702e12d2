package io.quorumfs.kv;

import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real store behind a gate: while the gate is shut, {@link #commit} refuses with
 * {@link KvUnavailableException} (an unreachable server), so tests can hold back a
 * {@link PairedStore}'s propagation. Reads always pass. Shipped in the test-jar.
 */
public final class GatedKvStore implements KvStore {

  private final KvStore inner;
  private volatile boolean open;
  private final AtomicInteger refused = new AtomicInteger();

  public GatedKvStore(KvStore inner, boolean open) {
    this.inner = inner;
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
  public Versioned get(byte[] key) {
    return inner.get(key);
  }

  @Override
  public List<Versioned> getAll(List<byte[]> keys) {
    return inner.getAll(keys);
  }

  @Override
  public ScanPage scan(KeyRange range, int limit, byte[] after) {
    return inner.scan(range, limit, after);
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
  public long revision() {
    return inner.revision();
  }

  @Override
  public Watch watch(long fromRevision, WatchListener listener) {
    return inner.watch(fromRevision, listener);
  }

  @Override
  public int maxWatchValueBytes() {
    return inner.maxWatchValueBytes();
  }

  @Override
  public int maxTxnSize() {
    return inner.maxTxnSize();
  }

  @Override
  public Set<Capability> capabilities() {
    return inner.capabilities();
  }

  @Override
  public void close() {
    inner.close();
  }

  @Override
  public String toString() {
    return "gated(" + inner + ")";
  }
}
