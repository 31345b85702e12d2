package io.quorumfs.cli;

import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobInfo;
import io.quorumfs.blob.BlobPage;
import io.quorumfs.blob.BlobStore;
import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A {@link BlobStore} that records, per operation, a latency timer ({@code blob.<op>}) and the
 * bytes moved ({@code blob.bytes.in} for uploads, {@code blob.bytes.out} for downloads).
 */
final class MeteredBlobStore implements BlobStore {

  private final BlobStore inner;
  private final Timer put;
  private final Timer get;
  private final Timer missing;
  private final Timer list;
  private final Timer delete;
  private final Meter bytesIn;
  private final Meter bytesOut;

  MeteredBlobStore(BlobStore inner, MetricRegistry metrics) {
    this.inner = inner;
    this.put = metrics.timer("blob.put");
    this.get = metrics.timer("blob.get");
    this.missing = metrics.timer("blob.missing");
    this.list = metrics.timer("blob.list");
    this.delete = metrics.timer("blob.delete");
    this.bytesIn = metrics.meter("blob.bytes.in");
    this.bytesOut = metrics.meter("blob.bytes.out");
  }

  private static <T> T time(Timer t, Supplier<T> body) {
    try (Timer.Context ignored = t.time()) {
      return body.get();
    }
  }

  @Override
  public BlobId put(byte[] content) {
    BlobId id = time(put, () -> inner.put(content));
    bytesIn.mark(content.length);
    return id;
  }

  @Override
  public void putHashed(BlobId id, byte[] content) {
    time(put, () -> {
      inner.putHashed(id, content);
      return null;
    });
    bytesIn.mark(content.length);
  }

  @Override
  public byte[] get(BlobId id) {
    byte[] b = time(get, () -> inner.get(id));
    bytesOut.mark(b.length);
    return b;
  }

  @Override
  public byte[] get(BlobId id, long offset, int length) {
    byte[] b = time(get, () -> inner.get(id, offset, length));
    bytesOut.mark(b.length);
    return b;
  }

  @Override
  public Optional<BlobInfo> info(BlobId id) {
    return inner.info(id);
  }

  @Override
  public Set<BlobId> missing(Collection<BlobId> ids) {
    return time(missing, () -> inner.missing(ids));
  }

  @Override
  public int deleteIfOlder(Collection<BlobId> ids, Instant cutoff) {
    return time(delete, () -> inner.deleteIfOlder(ids, cutoff));
  }

  @Override
  public BlobPage list(BlobId after, int limit) {
    return time(list, () -> inner.list(after, limit));
  }

  @Override
  public void close() {
    inner.close();
  }

  @Override
  public String toString() {
    return inner.toString();
  }
}
