package io.quorumfs.blob.s3;

import io.quorumfs.blob.BlobCorruptException;
import io.quorumfs.blob.BlobException;
import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobInfo;
import io.quorumfs.blob.BlobNotFoundException;
import io.quorumfs.blob.BlobPage;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.BlobUnavailableException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import software.amazon.awssdk.core.ResponseBytes;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.CopyObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.MetadataDirective;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * Blobs as objects in one S3 bucket (any S3-compatible server).
 *
 * <pre>
 * key  = prefix + hex[0..2] + "/" + hex(64)      one object per blob; key order = id order
 * meta = x-amz-meta-quorumfs-stamp: epoch ms     the stamp (from the injected clock)
 * </pre>
 * A PUT is atomic in S3: an object is visible whole or not at all. The stamp lives in user
 * metadata rather than LastModified so it comes from the store's clock (and can be tested); a
 * refresh is a copy of the object onto itself with new metadata (server-side, no data transfer).
 * A whole read hashes the object, so wrong bytes are never returned; its ETag (as that of an object
 * written here) is remembered, and a range read of such an object is a ranged GET conditional on
 * that ETag ({@code If-Match}): an object replaced since answers 412 and is read and hashed whole.
 * A range of an object not verified here costs a whole read. Writes are single PUTs (chunks are a
 * few MiB; S3 takes up to 5 GiB in one), preceded by a HEAD (a present blob is not sent again, its
 * stamp is refreshed) and conditional on absence ({@code If-None-Match: *}).
 * {@code deleteIfOlder} checks the stamp with a HEAD and then deletes: a refresh landing between
 * the two is lost, which GC's grace (longer than the refresh interval) covers as on the other stores.
 * Thread-safe; retries are the SDK's (configured by {@link S3BlobStoreProvider}).
 */
public final class S3BlobStore implements BlobStore {

  static final String STAMP = "quorumfs-stamp";
  /** Bound on the remembered ETags of verified objects (~200 bytes each). */
  static final int VERIFIED_ENTRIES = 100_000;

  private final S3Client s3;
  private final String bucket;
  private final String prefix;
  private final Clock clock;
  private final Duration refreshAfter;
  private final ExecutorService headPool;
  private final String name;
  private final Map<BlobId, Verified> verified = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<BlobId, Verified> eldest) {
      return size() > VERIFIED_ENTRIES;
    }
  });
  private volatile boolean closed;

  /**
   * @param s3 the client; owned by the store (closed with it)
   * @param prefix key prefix, empty or ending in "/"
   * @param headThreads bound on the concurrent HEADs of {@link #missing} and {@link #deleteIfOlder}
   */
  public S3BlobStore(S3Client s3, String bucket, String prefix, Clock clock, Duration refreshAfter, int headThreads) {
    this.s3 = s3;
    this.bucket = bucket;
    this.prefix = prefix;
    this.clock = clock;
    this.refreshAfter = refreshAfter;
    this.name = "s3://" + bucket + "/" + prefix;
    AtomicInteger n = new AtomicInteger();
    this.headPool = Executors.newFixedThreadPool(headThreads, r -> {
      Thread t = new Thread(r, "s3-blob-head-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  String key(BlobId id) {
    String hex = id.hex();
    return prefix + hex.substring(0, 2) + "/" + hex;
  }

  @Override
  public BlobId put(byte[] content) {
    BlobId id = BlobId.of(content);
    putHashed(id, content);
    return id;
  }

  @Override
  public void putHashed(BlobId id, byte[] content) {
    check();
    Optional<BlobInfo> present = info(id);
    if (present.isPresent()) {
      refreshIfStale(present.get());
      return;
    }
    PutObjectResponse r;
    try {
      // If-None-Match: * keeps an object another writer stored since the HEAD (servers that ignore
      // the header, S3Proxy 2.6.0 among them, overwrite it with the same bytes: equally correct).
      r = call("put " + id, () -> s3.putObject(PutObjectRequest.builder().bucket(bucket).key(key(id))
          .ifNoneMatch("*").contentType("application/octet-stream")
          .metadata(Map.of(STAMP, Long.toString(clock.millis()))).build(), RequestBody.fromBytes(content)));
    } catch (BlobException e) {
      if (status(e) == 412) {
        return; // present: stored by someone else just now, with a fresh stamp
      }
      if (status(e) == 409) { // S3: a conditional write raced another write of the key; the next try settles it
        throw new BlobUnavailableException(e.getMessage(), e);
      }
      throw e;
    }
    verified.put(id, new Verified(r.eTag(), content.length));
  }

  private void refreshIfStale(BlobInfo info) {
    Instant now = clock.instant();
    if (info.stamp().isBefore(now.minus(refreshAfter))) {
      String key = key(info.id());
      call("refresh " + info.id(), () -> s3.copyObject(CopyObjectRequest.builder()
          .sourceBucket(bucket).sourceKey(key).destinationBucket(bucket).destinationKey(key)
          .metadataDirective(MetadataDirective.REPLACE).contentType("application/octet-stream")
          .metadata(Map.of(STAMP, Long.toString(now.toEpochMilli()))).build()));
    }
  }

  @Override
  public byte[] get(BlobId id) {
    check();
    ResponseBytes<GetObjectResponse> r;
    try {
      r = call("get " + id, () -> s3.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(key(id)).build()));
    } catch (BlobException e) {
      throw notFoundOr(id, e);
    }
    byte[] content = r.asByteArray();
    if (!id.matches(content)) {
      verified.remove(id);
      throw new BlobCorruptException(id, "object " + key(id) + " in bucket " + bucket + " (" + content.length
          + " bytes) does not hash to its id");
    }
    verified.put(id, new Verified(r.response().eTag(), content.length));
    return content;
  }

  private BlobException notFoundOr(BlobId id, BlobException e) {
    if (e.getCause() instanceof NoSuchKeyException || status(e) == 404) {
      verified.remove(id);
      return new BlobNotFoundException(id, name);
    }
    return e;
  }

  @Override
  public byte[] get(BlobId id, long offset, int length) {
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("range of blob " + id + " must have offset >= 0 and length >= 0, got offset "
          + offset + ", length " + length);
    }
    check();
    Verified v = verified.get(id);
    if (v != null && offset < v.size() && length > 0) {
      byte[] part = ranged(id, v, offset, (int) Math.min(length, v.size() - offset));
      if (part != null) {
        return part;
      }
    }
    byte[] content = get(id);
    if (offset > content.length) {
      throw new IllegalArgumentException("offset " + offset + " is past the end of blob " + id + " (" + content.length
          + " bytes)");
    }
    int n = (int) Math.min(length, content.length - offset);
    return offset == 0 && n == content.length ? content : Arrays.copyOfRange(content, (int) offset, (int) offset + n);
  }

  /**
   * The range from a GET conditional on the ETag the object had when its whole content was hashed
   * (or written) here: the object is unchanged since, so the bytes are the verified ones. Null if
   * it changed (412) or answered an unexpected length: the caller reads and verifies it whole.
   */
  private byte[] ranged(BlobId id, Verified v, long offset, int n) {
    byte[] part;
    try {
      part = call("ranged get " + id, () -> s3.getObjectAsBytes(GetObjectRequest.builder().bucket(bucket).key(key(id))
          .ifMatch(v.etag()).range("bytes=" + offset + "-" + (offset + n - 1)).build())).asByteArray();
    } catch (BlobException e) {
      if (status(e) == 412) {
        verified.remove(id);
        return null;
      }
      throw notFoundOr(id, e);
    }
    if (part.length != n) {
      verified.remove(id);
      return null;
    }
    return part;
  }

  /** An object's ETag and size when this store last hashed or wrote its whole content. */
  private record Verified(String etag, long size) {}

  @Override
  public Optional<BlobInfo> info(BlobId id) {
    check();
    HeadObjectResponse head;
    try {
      head = call("head " + id, () -> s3.headObject(b -> b.bucket(bucket).key(key(id))));
    } catch (BlobException e) {
      if (e.getCause() instanceof NoSuchKeyException || status(e) == 404) {
        return Optional.empty();
      }
      throw e;
    }
    return Optional.of(new BlobInfo(id, head.contentLength(), stamp(head.metadata(), head.lastModified())));
  }

  private static Instant stamp(Map<String, String> metadata, Instant lastModified) {
    String s = metadata == null ? null : metadata.get(STAMP);
    if (s != null) {
      try {
        return Instant.ofEpochMilli(Long.parseLong(s.trim()));
      } catch (NumberFormatException e) {
        // written by something else: fall back to the server's time
      }
    }
    return lastModified == null ? Instant.EPOCH : lastModified;
  }

  @Override
  public Set<BlobId> missing(Collection<BlobId> ids) {
    check();
    Set<BlobId> out = new HashSet<>();
    List<BlobId> unique = new ArrayList<>(new LinkedHashSet<>(ids));
    List<Future<Optional<BlobInfo>>> heads = new ArrayList<>();
    for (BlobId id : unique) {
      heads.add(headPool.submit(() -> {
        Optional<BlobInfo> info = info(id);
        info.ifPresent(this::refreshIfStale);
        return info;
      }));
    }
    for (int i = 0; i < unique.size(); i++) {
      if (await(heads.get(i)).isEmpty()) {
        out.add(unique.get(i));
      }
    }
    return out;
  }

  @Override
  public int deleteIfOlder(Collection<BlobId> ids, Instant cutoff) {
    check();
    List<BlobId> unique = new ArrayList<>(new LinkedHashSet<>(ids));
    List<Future<Boolean>> deletes = new ArrayList<>();
    for (BlobId id : unique) {
      deletes.add(headPool.submit(() -> {
        Optional<BlobInfo> info = info(id);
        if (info.isEmpty() || !info.get().stamp().isBefore(cutoff)) {
          return false;
        }
        call("delete " + id, () -> s3.deleteObject(b -> b.bucket(bucket).key(key(id))));
        verified.remove(id);
        return true;
      }));
    }
    int n = 0;
    for (Future<Boolean> f : deletes) {
      n += await(f) ? 1 : 0;
    }
    return n;
  }

  @Override
  public BlobPage list(BlobId after, int limit) {
    check();
    if (limit <= 0) {
      throw new IllegalArgumentException("list limit must be > 0, got " + limit);
    }
    // Up to limit + 1 ids in key order (= id order), the extra one only to know whether more follow.
    List<BlobId> ids = new ArrayList<>();
    String startAfter = after == null ? null : key(after);
    boolean truncated = true;
    while (ids.size() <= limit && truncated) {
      ListObjectsV2Request.Builder req = ListObjectsV2Request.builder().bucket(bucket).prefix(prefix)
          .maxKeys(Math.min(1000, limit + 1 - ids.size()));
      if (startAfter != null) {
        req.startAfter(startAfter);
      }
      ListObjectsV2Response page = call("list after " + after, () -> s3.listObjectsV2(req.build()));
      for (S3Object o : page.contents()) {
        startAfter = o.key();
        parse(o.key()).ifPresent(ids::add); // anything else under the prefix is not ours
      }
      truncated = Boolean.TRUE.equals(page.isTruncated()) && !page.contents().isEmpty();
    }
    boolean more = ids.size() > limit || truncated;
    List<BlobId> pageIds = ids.subList(0, Math.min(limit, ids.size()));
    // LIST carries no user metadata, so each stamp takes a HEAD (on the bounded pool).
    List<Future<Optional<BlobInfo>>> heads = new ArrayList<>();
    for (BlobId id : pageIds) {
      heads.add(headPool.submit(() -> info(id)));
    }
    List<BlobInfo> out = new ArrayList<>();
    for (Future<Optional<BlobInfo>> f : heads) {
      await(f).ifPresent(out::add); // absent: deleted since the listing
    }
    return new BlobPage(out, more);
  }

  private Optional<BlobId> parse(String key) {
    if (!key.startsWith(prefix)) {
      return Optional.empty();
    }
    String rest = key.substring(prefix.length());
    if (rest.length() != 67 || rest.charAt(2) != '/' || !rest.regionMatches(0, rest, 3, 2)) {
      return Optional.empty();
    }
    try {
      return Optional.of(BlobId.parse(rest.substring(3)));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    headPool.shutdownNow();
    s3.close();
  }

  @Override
  public String toString() {
    return name;
  }

  private void check() {
    if (closed) {
      throw new BlobException(this + " is closed");
    }
  }

  private static int status(BlobException e) {
    return e.getCause() instanceof S3Exception s ? s.statusCode() : -1;
  }

  private <T> T await(Future<T> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BlobException(this + ": interrupted", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) {
        throw r;
      }
      throw new BlobException(this + ": " + e.getCause(), e.getCause());
    }
  }

  /** The one place SDK exceptions become blob exceptions (after the SDK's own retries). */
  private <T> T call(String what, java.util.function.Supplier<T> op) {
    try {
      return op.get();
    } catch (SdkClientException e) {
      throw new BlobUnavailableException(this + ": " + what + " failed: " + e.getMessage(), e);
    } catch (S3Exception e) {
      if (e.statusCode() >= 500 || e.statusCode() == 429) {
        throw new BlobUnavailableException(this + ": " + what + " failed: " + e.getMessage(), e);
      }
      throw new BlobException(this + ": " + what + " failed: " + e.getMessage(), e);
    } catch (SdkException e) {
      throw new BlobException(this + ": " + what + " failed: " + e.getMessage(), e);
    }
  }
}
