package io.quorumfs.fs;

import com.codahale.metrics.MetricRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import java.util.Random;
import java.util.function.Supplier;

/**
 * Settings of one {@link FileSystem} client. Immutable; build with {@link #builder()} and change
 * with {@link #toBuilder()}. Every field has a default good for tests and small mounts.
 */
public final class FsConfig {

  private final String keyPrefix;
  private final int chunkSize;
  private final int cacheEntries;
  private final long cacheBytes;
  private final long blockCacheBytes;
  private final int readAheadChunks;
  private final long writeBufferBytes;
  private final long writeBudgetBytes;
  private final int maxRetries;
  private final Duration sessionTtl;
  private final boolean reclaimOnClose;
  private final Duration barrierTimeout;
  private final Duration blobWait;
  private final long capacityBytes;
  private final long maxInodes;
  private final int inodeBatch;
  private final int commitBatch;
  private final int commitInflight;
  private final int rootUid;
  private final int rootGid;
  private final int rootMode;
  private final boolean formatIfEmpty;
  private final boolean background;
  private final boolean delegations;
  private final int delegationTakeAfter;
  private final int delegationBatch;
  private final Duration delegationDelay;
  private final Duration delegationBackoff;
  private final Clock clock;
  private final Supplier<Random> random;
  private final MetricRegistry metrics;

  private FsConfig(Builder b) {
    this.keyPrefix = b.keyPrefix;
    this.chunkSize = b.chunkSize;
    this.cacheEntries = b.cacheEntries;
    this.cacheBytes = b.cacheBytes;
    this.blockCacheBytes = b.blockCacheBytes;
    this.readAheadChunks = b.readAheadChunks;
    this.writeBufferBytes = b.writeBufferBytes;
    this.writeBudgetBytes = b.writeBudgetBytes;
    this.maxRetries = b.maxRetries;
    this.sessionTtl = b.sessionTtl;
    this.reclaimOnClose = b.reclaimOnClose;
    this.barrierTimeout = b.barrierTimeout;
    this.blobWait = b.blobWait;
    this.capacityBytes = b.capacityBytes;
    this.maxInodes = b.maxInodes;
    this.inodeBatch = b.inodeBatch;
    this.commitBatch = b.commitBatch;
    this.commitInflight = b.commitInflight;
    this.rootUid = b.rootUid;
    this.delegations = b.delegations;
    this.delegationTakeAfter = b.delegationTakeAfter;
    this.delegationBatch = b.delegationBatch;
    this.delegationDelay = b.delegationDelay;
    this.delegationBackoff = b.delegationBackoff;
    this.rootGid = b.rootGid;
    this.rootMode = b.rootMode;
    this.formatIfEmpty = b.formatIfEmpty;
    this.background = b.background;
    this.clock = b.clock;
    this.random = b.random;
    this.metrics = b.metrics;
  }

  public static FsConfig defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.keyPrefix = keyPrefix;
    b.chunkSize = chunkSize;
    b.cacheEntries = cacheEntries;
    b.cacheBytes = cacheBytes;
    b.blockCacheBytes = blockCacheBytes;
    b.readAheadChunks = readAheadChunks;
    b.writeBufferBytes = writeBufferBytes;
    b.writeBudgetBytes = writeBudgetBytes;
    b.maxRetries = maxRetries;
    b.sessionTtl = sessionTtl;
    b.reclaimOnClose = reclaimOnClose;
    b.barrierTimeout = barrierTimeout;
    b.blobWait = blobWait;
    b.capacityBytes = capacityBytes;
    b.maxInodes = maxInodes;
    b.inodeBatch = inodeBatch;
    b.commitBatch = commitBatch;
    b.commitInflight = commitInflight;
    b.rootUid = rootUid;
    b.delegations = delegations;
    b.delegationTakeAfter = delegationTakeAfter;
    b.delegationBatch = delegationBatch;
    b.delegationDelay = delegationDelay;
    b.delegationBackoff = delegationBackoff;
    b.rootGid = rootGid;
    b.rootMode = rootMode;
    b.formatIfEmpty = formatIfEmpty;
    b.background = background;
    b.clock = clock;
    b.random = random;
    b.metrics = metrics;
    return b;
  }

  /** Prefix of every metadata key (several file systems can share one store). Default "fs/". */
  public String keyPrefix() { return keyPrefix; }
  /** Fixed size of the chunks file data is cut into (offset-aligned). Default 1 MiB - 64. */
  public int chunkSize() { return chunkSize; }
  /** Metadata cache capacity in keys. Default 200,000. */
  public int cacheEntries() { return cacheEntries; }
  /** Heap the metadata cache may hold (keys, values, ~64 B per entry), besides the entry bound. Default 64 MiB. */
  public long cacheBytes() { return cacheBytes; }
  /** Local chunk (block) cache capacity in bytes. Default 64 MiB. */
  public long blockCacheBytes() { return blockCacheBytes; }
  /** Chunks fetched ahead of a sequential reader. Default 2. */
  public int readAheadChunks() { return readAheadChunks; }
  /** Buffered bytes per handle before writes are flushed on their own. Default 16 MiB. */
  public long writeBufferBytes() { return writeBufferBytes; }
  /**
   * Buffered write bytes of all handles together (pending and being committed); a writer that
   * would pass it commits buffers or waits for commits, it never fails. Default 64 MiB.
   */
  public long writeBudgetBytes() { return writeBudgetBytes; }
  /** Attempts of one operation before giving up with EIO. Default 50. */
  public int maxRetries() { return maxRetries; }
  /** A session not heartbeating for this long is expired by other clients. Default 30 s. */
  public Duration sessionTtl() { return sessionTtl; }
  /**
   * Whether the last close here of an unlinked file reclaims it at once when allowed (no hold
   * left, every session saw the unlink: see docs/fs.md), rather than at the next maintenance
   * round. Default false (the close does not wait for the reclaim).
   */
  public boolean reclaimOnClose() { return reclaimOnClose; }
  /** Longest wait of open()'s read barrier for the change feed; then ETIMEDOUT. Default 30 s. */
  public Duration barrierTimeout() { return barrierTimeout; }
  /**
   * How long a read waits for a chunk that the metadata references but the blob store does not
   * have yet (a write-back client acknowledged it and has not uploaded it yet), polling the store;
   * then EIO. Zero: EIO at once. Default 60 s.
   */
  public Duration blobWait() { return blobWait; }
  /** Capacity reported by statfs. Default 1 PiB. */
  public long capacityBytes() { return capacityBytes; }
  /** Inode limit reported by statfs and enforced on create (ENOSPC). Default 2^40. */
  public long maxInodes() { return maxInodes; }
  /** Inode numbers reserved per counter op. Default 1024. */
  public int inodeBatch() { return inodeBatch; }
  /** Most txns of concurrent operations merged into one store commit (1 = never). Default 64. */
  public int commitBatch() { return commitBatch; }
  /** Store commits of one client running at once before operations queue to merge. Default 4. */
  public int commitInflight() { return commitInflight; }
  public int rootUid() { return rootUid; }
  public int rootGid() { return rootGid; }
  /** Permission bits of the root directory at format. Default 0755. */
  public int rootMode() { return rootMode; }
  /** Format an empty store on open (else an unformatted store is an error). Default true. */
  public boolean formatIfEmpty() { return formatIfEmpty; }
  /** Run the heartbeat / expiry / trash thread. Default true; tests may drive it by hand. */
  public boolean background() { return background; }
  /**
   * Whether this client takes directory delegations (docs/fs.md, "Directory delegations"): only
   * on a store whose change feed holds a cache lease ({@code raft://}). Every client respects
   * (and recalls) other clients' delegations whatever this says. Default false.
   */
  public boolean delegations() { return delegations; }
  /** Namespace operations of this client in a directory, none recalled, before it takes it. Default 8. */
  public int delegationTakeAfter() { return delegationTakeAfter; }
  /** Most delegated operations committed in one txn. Default 256. */
  public int delegationBatch() { return delegationBatch; }
  /** Longest a delegated operation waits in the pipeline before its batch is committed. Default 5 ms. */
  public Duration delegationDelay() { return delegationDelay; }
  /** How long a directory whose delegation was recalled is not taken again. Default 30 s. */
  public Duration delegationBackoff() { return delegationBackoff; }
  /** Wall clock for timestamps, heartbeats and grace periods. */
  public Clock clock() { return clock; }
  /** Source of jitter for retries (a supplier so each client gets its own Random). */
  public Supplier<Random> random() { return random; }
  /** Where hits, misses, invalidations and retries are reported. */
  public MetricRegistry metrics() { return metrics; }

  /** Builds an {@link FsConfig}. */
  public static final class Builder {
    private String keyPrefix = "fs/";
    private int chunkSize = (1 << 20) - 64;
    private int cacheEntries = 200_000;
    private long cacheBytes = 64L << 20;
    private long blockCacheBytes = 64L << 20;
    private int readAheadChunks = 2;
    private long writeBufferBytes = 16L << 20;
    private long writeBudgetBytes = 64L << 20;
    private int maxRetries = 50;
    private Duration sessionTtl = Duration.ofSeconds(30);
    private boolean reclaimOnClose;
    private Duration barrierTimeout = Duration.ofSeconds(30);
    private Duration blobWait = Duration.ofSeconds(60);
    private long capacityBytes = 1L << 50;
    private long maxInodes = 1L << 40;
    private int inodeBatch = 1024;
    private int commitBatch = 64;
    private int commitInflight = 4;
    private int rootUid = 0;
    private int rootGid = 0;
    private int rootMode = 0755;
    private boolean formatIfEmpty = true;
    private boolean background = true;
    private boolean delegations;
    private int delegationTakeAfter = 8;
    private int delegationBatch = 256;
    private Duration delegationDelay = Duration.ofMillis(5);
    private Duration delegationBackoff = Duration.ofSeconds(30);
    private Clock clock = Clock.systemUTC();
    private Supplier<Random> random = Random::new;
    private MetricRegistry metrics = new MetricRegistry();

    private Builder() {}

    public Builder keyPrefix(String v) { keyPrefix = Objects.requireNonNull(v); return this; }

    public Builder chunkSize(int v) {
      if (v < 4096 || v > (64 << 20)) {
        throw new IllegalArgumentException("chunkSize " + v + " outside [4096, 64 MiB]");
      }
      chunkSize = v;
      return this;
    }

    public Builder cacheEntries(int v) { cacheEntries = positive("cacheEntries", v); return this; }
    public Builder cacheBytes(long v) {
      if (v <= 0) {
        throw new IllegalArgumentException("cacheBytes must be > 0, got " + v);
      }
      cacheBytes = v;
      return this;
    }
    public Builder blockCacheBytes(long v) { blockCacheBytes = positive("blockCacheBytes", v); return this; }
    public Builder readAheadChunks(int v) { readAheadChunks = Math.max(0, v); return this; }
    public Builder writeBufferBytes(long v) { writeBufferBytes = positive("writeBufferBytes", v); return this; }
    public Builder writeBudgetBytes(long v) { writeBudgetBytes = positive("writeBudgetBytes", v); return this; }
    public Builder maxRetries(int v) { maxRetries = positive("maxRetries", v); return this; }
    public Builder sessionTtl(Duration v) { sessionTtl = Objects.requireNonNull(v); return this; }
    public Builder reclaimOnClose(boolean v) { reclaimOnClose = v; return this; }
    public Builder barrierTimeout(Duration v) { barrierTimeout = Objects.requireNonNull(v); return this; }
    public Builder blobWait(Duration v) {
      if (v.isNegative()) {
        throw new IllegalArgumentException("blobWait must be >= 0, got " + v);
      }
      blobWait = v;
      return this;
    }
    public Builder capacityBytes(long v) { capacityBytes = positive("capacityBytes", v); return this; }
    public Builder maxInodes(long v) { maxInodes = positive("maxInodes", v); return this; }
    public Builder inodeBatch(int v) { inodeBatch = positive("inodeBatch", v); return this; }
    public Builder commitBatch(int v) { commitBatch = positive("commitBatch", v); return this; }
    public Builder commitInflight(int v) {
      commitInflight = positive("commitInflight", v);
      return this;
    }
    public Builder rootOwner(int uid, int gid) { rootUid = uid; rootGid = gid; return this; }
    public Builder rootMode(int v) { rootMode = v & Mode.PERM_MASK; return this; }
    public Builder formatIfEmpty(boolean v) { formatIfEmpty = v; return this; }
    public Builder background(boolean v) { background = v; return this; }
    public Builder delegations(boolean v) { delegations = v; return this; }
    public Builder delegationTakeAfter(int v) { delegationTakeAfter = positive("delegationTakeAfter", v); return this; }
    public Builder delegationBatch(int v) { delegationBatch = positive("delegationBatch", v); return this; }
    public Builder delegationDelay(Duration v) { delegationDelay = Objects.requireNonNull(v); return this; }
    public Builder delegationBackoff(Duration v) { delegationBackoff = Objects.requireNonNull(v); return this; }
    public Builder clock(Clock v) { clock = Objects.requireNonNull(v); return this; }
    public Builder random(Supplier<Random> v) { random = Objects.requireNonNull(v); return this; }
    public Builder metrics(MetricRegistry v) { metrics = Objects.requireNonNull(v); return this; }

    public FsConfig build() {
      return new FsConfig(this);
    }

    private static int positive(String what, int v) {
      if (v <= 0) {
        throw new IllegalArgumentException(what + " must be > 0, got " + v);
      }
      return v;
    }

    private static long positive(String what, long v) {
      if (v <= 0) {
        throw new IllegalArgumentException(what + " must be > 0, got " + v);
      }
      return v;
    }
  }
}
