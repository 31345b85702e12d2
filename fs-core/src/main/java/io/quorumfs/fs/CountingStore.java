package io.quorumfs.fs;

import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.quorumfs.kv.Capability;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.util.List;
import java.util.Set;

/**
 * The metadata store as fs-core sees it: every round trip timed in the configured registry
 * ({@code quorumfs.fs.store.get|getAll|scan|revision|commit}), so the store calls an operation
 * costs can be counted (fsbench prints them per phase), and logged at DEBUG with their keys. The
 * wrapped store is not closed here.
 */
final class CountingStore implements KvStore {
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(CountingStore.class);
  private final KvStore store;
  private final Timer gets;
  private final Timer getAlls;
  private final Timer scans;
  private final Timer revisions;
  private final Timer commits;

  CountingStore(KvStore store, MetricRegistry metrics) {
    this.store = store;
    this.gets = metrics.timer("quorumfs.fs.store.get");
    this.getAlls = metrics.timer("quorumfs.fs.store.getAll");
    this.scans = metrics.timer("quorumfs.fs.store.scan");
    this.revisions = metrics.timer("quorumfs.fs.store.revision");
    this.commits = metrics.timer("quorumfs.fs.store.commit");
  }

  @Override
  public Versioned get(byte[] key) {
    if (log.isDebugEnabled()) {
      log.debug("get {}", io.quorumfs.kv.Bytes.show(key));
    }
    return timed(gets, () -> store.get(key));
  }

  @Override
  public List<Versioned> getAll(List<byte[]> keys) {
    if (log.isDebugEnabled()) {
      log.debug("getAll {}", keys.stream().map(io.quorumfs.kv.Bytes::show).toList());
    }
    return timed(getAlls, () -> store.getAll(keys));
  }

  @Override
  public ScanPage scan(KeyRange range, int limit, byte[] after) {
    if (log.isDebugEnabled()) {
      log.debug("scan {}", range);
    }
    return timed(scans, () -> store.scan(range, limit, after));
  }

  @Override
  public CommitResult commit(Txn txn) {
    if (log.isDebugEnabled()) {
      log.debug("commit {} compares, ops on {}", txn.compares().size(),
          txn.ops().stream().map(o -> io.quorumfs.kv.Bytes.show(o.key())).toList());
    }
    return timed(commits, () -> store.commit(txn));
  }

  @Override
  public long revision() {
    log.debug("revision");
    return timed(revisions, () -> store.revision());
  }

  private static <T> T timed(Timer timer, java.util.function.Supplier<T> call) {
    long t = System.nanoTime();
    try {
      return call.get();
    } finally {
      timer.update(System.nanoTime() - t, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  @Override
  public Watch watch(long fromRevision, WatchListener listener) {
    return store.watch(fromRevision, listener);
  }

  @Override
  public int maxWatchValueBytes() {
    return store.maxWatchValueBytes();
  }

  @Override
  public int maxTxnSize() {
    return store.maxTxnSize();
  }

  @Override
  public Set<Capability> capabilities() {
    return store.capabilities();
  }

  @Override
  public void close() {
    // the caller owns the store
  }

  @Override
  public String toString() {
    return store.toString();
  }
}
