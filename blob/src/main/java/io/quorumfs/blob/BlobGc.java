package io.quorumfs.blob;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The sweep half of mark-and-sweep garbage collection of blobs.
 *
 * <p>Protocol: call {@link #beginMark()} <em>before</em> reading the metadata revision the live set
 * is computed from; compute the live ids from that revision; then {@link #sweep}. A blob is deleted
 * only if it is not live and its stamp is before {@code mark start - grace}. Because every put (and
 * every {@link BlobStore#missing} that finds a blob) leaves the stamp no older than the store's
 * refresh interval, a blob uploaded or re-used after the mark began is never deleted, provided the
 * grace exceeds that refresh interval (default one hour; use a grace of a few hours). The grace
 * also covers blobs uploaded before the mark but committed to metadata only after it.
 *
 * <p>On a {@link KvBlobStore}, a complete sweep also removes parts left by crashed puts and deletes
 * ({@link KvBlobStore#deleteOrphanParts}) with the same cutoff.
 *
 * <p>The sweep stops at the first error (listing or deleting) and reports it with what was done so
 * far: a partial listing must never be taken for "everything else is garbage". Not thread-safe;
 * run one sweep per store at a time.
 */
public final class BlobGc {

  private static final Logger LOG = LoggerFactory.getLogger(BlobGc.class);

  private final BlobStore store;
  private final Clock clock;
  private final int pageSize;

  public BlobGc(BlobStore store, Clock clock) {
    this(store, clock, 1000);
  }

  public BlobGc(BlobStore store, Clock clock, int pageSize) {
    this.store = Objects.requireNonNull(store, "store");
    this.clock = Objects.requireNonNull(clock, "clock");
    if (pageSize <= 0) {
      throw new IllegalArgumentException("page size must be > 0, got " + pageSize);
    }
    this.pageSize = pageSize;
  }

  /** When the mark began: take it before reading the metadata the live set comes from. */
  public record Mark(Instant startedAt) {
    public Mark {
      Objects.requireNonNull(startedAt, "startedAt");
    }
  }

  /**
   * What a sweep did.
   *
   * @param scanned blobs listed
   * @param live blobs kept because they are referenced
   * @param young unreferenced blobs kept because their stamp is inside the grace period
   * @param deleted blobs deleted
   * @param bytesFreed their total size (as listed)
   * @param orphanParts leftover part keys of a {@link KvBlobStore} removed after a complete sweep
   * @param error the error that stopped the sweep, or null if it completed
   */
  public record Report(long scanned, long live, long young, long deleted, long bytesFreed, long orphanParts,
      RuntimeException error) {
    public boolean complete() {
      return error == null;
    }

    @Override
    public String toString() {
      return "blob gc " + (complete() ? "complete" : "STOPPED by " + error) + ": scanned " + scanned + ", live "
          + live + ", young " + young + ", deleted " + deleted + " (" + bytesFreed + " bytes)"
          + (orphanParts > 0 ? ", orphan parts " + orphanParts : "");
    }
  }

  public Mark beginMark() {
    return new Mark(clock.instant());
  }

  /** {@link #sweep(Mark, Predicate, Duration, Consumer)} without progress reports. */
  public Report sweep(Mark mark, Predicate<BlobId> live, Duration grace) {
    return sweep(mark, live, grace, r -> { });
  }

  /**
   * Deletes every blob that is not {@code live} and stamped before {@code mark.startedAt() - grace}.
   *
   * @param progress called after each page with the running totals
   */
  public Report sweep(Mark mark, Predicate<BlobId> live, Duration grace, Consumer<Report> progress) {
    return sweep(mark, live, grace, progress, false);
  }

  /**
   * Like {@link #sweep(Mark, Predicate, Duration, Consumer)}; with {@code dryRun} nothing is
   * deleted and {@link Report#deleted()} counts what would have been.
   */
  public Report sweep(Mark mark, Predicate<BlobId> live, Duration grace, Consumer<Report> progress,
      boolean dryRun) {
    if (grace.isNegative()) {
      throw new IllegalArgumentException("grace must be >= 0, got " + grace);
    }
    Instant cutoff = mark.startedAt().minus(grace);
    long scanned = 0;
    long kept = 0;
    long young = 0;
    long deleted = 0;
    long freed = 0;
    BlobId after = null;
    while (true) {
      BlobPage page;
      try {
        page = store.list(after, pageSize);
      } catch (RuntimeException e) {
        LOG.error("blob gc of {} stopped: listing after {} failed", store, after, e);
        return new Report(scanned, kept, young, deleted, freed, 0, e);
      }
      List<BlobId> victims = new ArrayList<>();
      long victimBytes = 0;
      for (BlobInfo b : page.blobs()) {
        scanned++;
        if (live.test(b.id())) {
          kept++;
        } else if (!b.stamp().isBefore(cutoff)) {
          young++;
        } else {
          victims.add(b.id());
          victimBytes += b.size();
        }
      }
      if (dryRun) {
        deleted += victims.size();
        freed += victimBytes;
      } else if (!victims.isEmpty()) {
        try {
          int n = store.deleteIfOlder(victims, cutoff);
          deleted += n;
          // Blobs refreshed since listing survive; count their bytes as freed only if all went.
          freed += n == victims.size() ? victimBytes : victimBytes * n / victims.size();
          young += victims.size() - n;
        } catch (RuntimeException e) {
          LOG.error("blob gc of {} stopped: deleting {} blobs failed", store, victims.size(), e);
          return new Report(scanned, kept, young, deleted, freed, 0, e);
        }
      }
      Report r = new Report(scanned, kept, young, deleted, freed, 0, null);
      progress.accept(r);
      if (!page.more()) {
        if (store instanceof KvBlobStore && !dryRun) {
          try {
            long orphans = ((KvBlobStore) store).deleteOrphanParts(cutoff);
            r = new Report(scanned, kept, young, deleted, freed, orphans, null);
          } catch (RuntimeException e) {
            LOG.error("blob gc of {} stopped while removing orphan parts", store, e);
            return new Report(scanned, kept, young, deleted, freed, 0, e);
          }
        }
        LOG.info("{} ({})", r, store);
        return r;
      }
      after = page.next();
    }
  }
}
