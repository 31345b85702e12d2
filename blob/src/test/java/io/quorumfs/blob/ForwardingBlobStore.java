package io.quorumfs.blob;

import java.time.Instant;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;

/** Delegates every call; tests override what they need. */
public class ForwardingBlobStore implements BlobStore {
  protected final BlobStore inner;

  public ForwardingBlobStore(BlobStore inner) {
    this.inner = inner;
  }

  @Override
  public BlobId put(byte[] content) {
    return inner.put(content);
  }

  @Override
  public byte[] get(BlobId id) {
    return inner.get(id);
  }

  @Override
  public byte[] get(BlobId id, long offset, int length) {
    return inner.get(id, offset, length);
  }

  @Override
  public Optional<BlobInfo> info(BlobId id) {
    return inner.info(id);
  }

  @Override
  public Set<BlobId> missing(Collection<BlobId> ids) {
    return inner.missing(ids);
  }

  @Override
  public int deleteIfOlder(Collection<BlobId> ids, Instant cutoff) {
    return inner.deleteIfOlder(ids, cutoff);
  }

  @Override
  public BlobPage list(BlobId after, int limit) {
    return inner.list(after, limit);
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
