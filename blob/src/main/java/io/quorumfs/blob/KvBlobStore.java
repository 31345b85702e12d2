package io.quorumfs.blob;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.Capability;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvClosedException;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvLimitException;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvUnavailableException;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import io.quorumfs.blob.KvBlobLayout.Info;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * A {@link BlobStore} over any {@link KvStore} (mem:, rocks://, redis://, dynamodb://, raft://).
 *
 * <p>Layout under a key prefix (default {@code "blob/"}):
 * <pre>
 *   prefix "i" id(32)            -> info: 0x01, size(8), stamp millis(8), parts(4), partSize(4)
 *   prefix "p" id(32) index(4)   -> part {@code index} of the content (all parts partSize long but the last)
 *   prefix "t" id(32)            -> put token: when the put began (ms); its version tells a put
 *                                   whether a delete or another put touched the blob meanwhile
 * </pre>
 * A blob is visible exactly when its info key exists, and the info is written last:
 * <ul>
 *   <li>A blob within the txn byte bound ({@code maxTxnBytes}) is written in one txn: parts, token
 *       and info, requiring the info to be absent.</li>
 *   <li>A larger one: the token with the first parts, the other parts in bounded txns, then the info
 *       in a txn requiring the info absent and the token still at the version written. A delete
 *       removes the token, so a delete racing with the put makes its final txn fail (and retry)
 *       instead of publishing an info whose parts are gone.</li>
 *   <li>Deletes are conditional on the info's version. A small blob goes in one txn; a larger one
 *       loses its info and token in one txn (invisible from then on), then its parts in bounded txns
 *       that each require the token to be absent, so a put that started meanwhile keeps its parts.</li>
 *   <li>Reads take the parts in bounded groups, each with the info key, and start again if the
 *       info's version changed in between.</li>
 * </ul>
 * Parts left by a crash mid-put or mid-delete are invisible and are overwritten by the next put of
 * the same content; {@link #deleteOrphanParts} removes them.
 *
 * <p>Backends without {@link Capability#LARGE_VALUES} (DynamoDB: 400 KB items, 4 MB per txn and per
 * read) get 256 KiB parts and 2 MiB txns by default; others 4 MiB parts and 64 MiB txns. Every txn
 * also stays within {@link KvStore#maxTxnSize()} entries.
 */
public final class KvBlobStore implements BlobStore, KnownIdPut {

  private static final int MAX_PUT_ATTEMPTS = 8;

  private final KvStore kv;
  private final boolean ownsKv;
  private final KvBlobLayout layout;
  final int partSize;
  private final long maxTxnBytes;
  private final int maxBlobBytes;
  private final int maxOpsPerTxn;
  private final Duration refreshAfter;
  private final Clock clock;
  private final String name;
  private volatile boolean closed;

  private KvBlobStore(Builder b) {
    this.kv = b.kv;
    this.ownsKv = b.ownsKv;
    this.layout = new KvBlobLayout(b.prefix);
    boolean large = kv.capabilities().contains(Capability.LARGE_VALUES);
    this.partSize = b.partSize > 0 ? b.partSize : (large ? 4 << 20 : 256 << 10);
    this.maxTxnBytes = b.maxTxnBytes > 0 ? b.maxTxnBytes : (large ? 64L << 20 : 2L << 20);
    this.maxOpsPerTxn = Math.max(4, Math.min(kv.maxTxnSize(), 100_000));
    this.maxBlobBytes = b.maxBlobBytes;
    this.refreshAfter = b.refreshAfter;
    this.clock = b.clock;
    this.name = b.name != null ? b.name : "kv blob store (" + kv.getClass().getSimpleName() + ")";
    if (partSize > maxTxnBytes) {
      throw new IllegalArgumentException("part size " + partSize + " exceeds the txn bound " + maxTxnBytes);
    }
  }

  /** A store over {@code kv} with default settings; closing the blob store does not close {@code kv}. */
  public static KvBlobStore over(KvStore kv) {
    return builder(kv).build();
  }

  public static Builder builder(KvStore kv) {
    return new Builder(kv);
  }

  @Override
  public BlobId put(byte[] content) {
    Objects.requireNonNull(content, "content");
    checkSize(content.length);
    BlobId id = BlobId.of(content);
    putKnown(id, content);
    return id;
  }

  private void checkSize(int length) {
    if (length > maxBlobBytes) {
      throw new BlobTooLargeException("blob of " + length + " bytes exceeds the limit of "
          + maxBlobBytes + " bytes of " + name);
    }
  }

  @Override
  public void putHashed(BlobId id, byte[] content) {
    putKnown(id, content);
  }

  @Override
  public boolean putKnown(BlobId id, byte[] content) {
    checkSize(content.length);
    byte[] infoKey = layout.infoKey(id);
    for (int attempt = 1; ; attempt++) {
      Versioned info = call("checking blob " + id, () -> kv.get(infoKey));
      if (info.exists()) {
        if (refreshIfStale(id, info)) {
          return false;
        }
      } else if (write(id, content)) {
        return true;
      }
      if (attempt == MAX_PUT_ATTEMPTS) {
        throw new BlobException("put of blob " + id + " into " + name + " kept conflicting with concurrent"
            + " writes or deletes of the same blob after " + attempt + " attempts");
      }
    }
  }

  /** Writes the blob; false if a concurrent put or delete got in the way (the caller re-reads). */
  private boolean write(BlobId id, byte[] content) {
    byte[] infoKey = layout.infoKey(id);
    byte[] tokenKey = layout.tokenKey(id);
    int parts = partCount(content.length);
    byte[] info = KvBlobLayout.encodeInfo(content.length, clock.millis(), parts, partSize);
    if (content.length + (long) KvBlobLayout.INFO_BYTES <= maxTxnBytes && parts + 3 <= maxOpsPerTxn) {
      Txn.Builder t = Txn.builder().requireAbsent(infoKey);
      for (int i = 0; i < parts; i++) {
        t.put(layout.partKey(id, i), part(content, i));
      }
      t.put(tokenKey, Bytes.ofLong(clock.millis())).put(infoKey, info);
      return commit(t.build(), id).ok();
    }
    // Too big for one txn: the token with the first parts, more parts, then the info, requiring the
    // token to be unchanged (a delete, or another put, in between changes it).
    int perTxn = partsPerTxn(partSize);
    long tokenVersion = 0;
    for (int from = 0; from < parts; from += perTxn) {
      Txn.Builder t = Txn.builder();
      if (from == 0) {
        t.put(tokenKey, Bytes.ofLong(clock.millis()));
      }
      for (int i = from; i < Math.min(parts, from + perTxn); i++) {
        t.put(layout.partKey(id, i), part(content, i));
      }
      long rev = commit(t.build(), id).revision();
      if (from == 0) {
        tokenVersion = rev;
      }
    }
    Txn fin = Txn.builder().requireAbsent(infoKey).requireVersion(tokenKey, tokenVersion).put(infoKey, info).build();
    return commit(fin, id).ok();
  }

  /**
   * Deletes one blob if its info is still {@code v}. Small blobs go in one txn. Larger ones: the
   * info and token first (the blob is gone from then on), then the parts in bounded txns, each
   * requiring the token to be absent, so a put that starts meanwhile keeps its parts.
   */
  private boolean deleteBlob(BlobId id, Versioned v, Info info) {
    byte[] tokenKey = layout.tokenKey(id);
    int perTxn = partsPerTxn(info.partSize());
    Txn.Builder first = Txn.builder().requireUnchanged(v).delete(v.key()).delete(tokenKey);
    int firstParts = info.parts() <= perTxn ? info.parts() : 0;
    for (int p = 0; p < firstParts; p++) {
      first.delete(layout.partKey(id, p));
    }
    if (!commit(first.build(), id).ok()) {
      return false;
    }
    for (int from = firstParts; from < info.parts(); from += perTxn) {
      Txn.Builder t = Txn.builder().requireAbsent(tokenKey);
      for (int p = from; p < Math.min(info.parts(), from + perTxn); p++) {
        t.delete(layout.partKey(id, p));
      }
      if (!commit(t.build(), id).ok()) {
        break; // a put of the same content has begun: its parts are its own now
      }
    }
    return true;
  }

  /** Parts per txn: within the txn byte bound and the backend's entry limit (with room for 3 more). */
  int partsPerTxn(int partBytes) {
    return (int) Math.max(1, Math.min(maxOpsPerTxn - 3, maxTxnBytes / Math.max(1, partBytes)));
  }

  /** True if the blob is present afterwards (stamp fresh or refreshed), false if it vanished. */
  private boolean refreshIfStale(BlobId id, Versioned info) {
    Info i = decodeInfo(id, info.value());
    long now = clock.millis();
    if (now - i.stampMillis() < refreshAfter.toMillis()) {
      return true;
    }
    Txn t = Txn.builder().requireUnchanged(info).put(info.key(), KvBlobLayout.encodeInfo(i.size(), now, i.parts(), i.partSize())).build();
    return commit(t, id).ok();
  }

  @Override
  public byte[] get(BlobId id) {
    Objects.requireNonNull(id, "id");
    for (int attempt = 1; ; attempt++) {
      byte[] out = read(id);
      if (out != null) {
        return out;
      }
      if (attempt == MAX_PUT_ATTEMPTS) {
        throw new BlobException("read of blob " + id + " from " + name + " kept racing with concurrent"
            + " rewrites of its info after " + attempt + " attempts");
      }
    }
  }

  /**
   * Reads and verifies a blob; null if its info changed between the reads of its parts (the caller
   * retries). Parts are read in groups of at most {@code maxTxnBytes}, each group with the info key,
   * so every part read belongs to the same version of the blob.
   */
  private byte[] read(BlobId id) {
    byte[] infoKey = layout.infoKey(id);
    List<Versioned> first = call("reading blob " + id, () -> kv.getAll(List.of(infoKey, layout.partKey(id, 0))));
    Versioned iv = first.get(0);
    if (!iv.exists()) {
      throw new BlobNotFoundException(id, name);
    }
    Info info = decodeInfo(id, iv.value());
    if (info.size() > Integer.MAX_VALUE - 16) {
      throw new BlobCorruptException(id, "info records an impossible size of " + info.size() + " bytes");
    }
    List<Versioned> parts = new ArrayList<>(info.parts());
    parts.add(first.get(1));
    int perRead = partsPerTxn(info.partSize());
    for (int from = 1; from < info.parts(); from += perRead) {
      List<byte[]> keys = new ArrayList<>(perRead + 1);
      keys.add(infoKey);
      for (int i = from; i < Math.min(info.parts(), from + perRead); i++) {
        keys.add(layout.partKey(id, i));
      }
      List<Versioned> got = call("reading blob " + id, () -> kv.getAll(keys));
      if (got.get(0).version() != iv.version()) {
        if (!got.get(0).exists()) {
          throw new BlobNotFoundException(id, name); // deleted while we read it
        }
        return null;
      }
      parts.addAll(got.subList(1, got.size()));
    }
    byte[] out = new byte[(int) info.size()];
    int at = 0;
    for (int i = 0; i < info.parts(); i++) {
      Versioned p = parts.get(i);
      int expect = (int) Math.min(info.partSize(), info.size() - at);
      if (!p.exists() || p.value().length != expect) {
        throw new BlobCorruptException(id, "part " + i + " of " + info.parts() + " in " + name + " is "
            + (p.exists() ? p.value().length + " bytes, expected " + expect : "missing"));
      }
      System.arraycopy(p.value(), 0, out, at, expect);
      at += expect;
    }
    if (!id.matches(out)) {
      throw new BlobCorruptException(id, "content of " + out.length + " bytes in " + name
          + " hashes to " + BlobId.of(out));
    }
    return out;
  }

  @Override
  public byte[] get(BlobId id, long offset, int length) {
    return Ranges.slice(id, get(id), offset, length);
  }

  @Override
  public Optional<BlobInfo> info(BlobId id) {
    Versioned v = call("reading the info of blob " + id, () -> kv.get(layout.infoKey(id)));
    if (!v.exists()) {
      return Optional.empty();
    }
    Info i = decodeInfo(id, v.value());
    return Optional.of(new BlobInfo(id, i.size(), Instant.ofEpochMilli(i.stampMillis())));
  }

  @Override
  public Set<BlobId> missing(Collection<BlobId> ids) {
    List<BlobId> list = List.copyOf(new LinkedHashSet<>(ids));
    if (list.isEmpty()) {
      return Set.of();
    }
    List<byte[]> keys = new ArrayList<>(list.size());
    list.forEach(id -> keys.add(layout.infoKey(id)));
    List<Versioned> found = call("checking " + list.size() + " blobs", () -> kv.getAll(keys));
    Set<BlobId> out = new LinkedHashSet<>();
    for (int i = 0; i < list.size(); i++) {
      Versioned v = found.get(i);
      if (!v.exists() || !refreshIfStale(list.get(i), v) && !call("checking blob " + list.get(i), () -> kv.get(v.key())).exists()) {
        out.add(list.get(i));
      }
    }
    return out;
  }

  @Override
  public int deleteIfOlder(Collection<BlobId> ids, Instant cutoff) {
    List<BlobId> list = List.copyOf(new LinkedHashSet<>(ids));
    if (list.isEmpty()) {
      return 0;
    }
    List<byte[]> keys = new ArrayList<>(list.size());
    list.forEach(id -> keys.add(layout.infoKey(id)));
    List<Versioned> found = call("checking " + list.size() + " blobs", () -> kv.getAll(keys));
    int deleted = 0;
    for (int i = 0; i < list.size(); i++) {
      Versioned v = found.get(i);
      if (!v.exists()) {
        continue;
      }
      BlobId id = list.get(i);
      Info info = decodeInfo(id, v.value());
      if (!Instant.ofEpochMilli(info.stampMillis()).isBefore(cutoff)) {
        continue;
      }
      if (deleteBlob(id, v, info)) {
        deleted++;
      }
    }
    return deleted;
  }

  /**
   * Deletes parts that belong to no blob: left by a crash in the middle of a multi-txn put (token
   * stamped before {@code cutoff}) or delete (no token). Parts of a put still in progress (a token
   * stamped at or after the cutoff) are kept, and a put that begins meanwhile rewrites its token,
   * which makes the deletion of its parts fail. Scans every part key, a page at a time.
   *
   * @return the number of part keys deleted
   */
  public long deleteOrphanParts(Instant cutoff) {
    return new KvOrphanSweep(this, kv, layout).run(cutoff);
  }

  @Override
  public BlobPage list(BlobId after, int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be > 0, got " + limit);
    }
    byte[] from = after == null ? null : layout.infoKey(after);
    ScanPage page = call("listing blobs", () -> kv.scan(KeyRange.prefix(layout.infoPrefix), limit, from));
    List<BlobInfo> out = new ArrayList<>(page.entries().size());
    for (Versioned v : page.entries()) {
      byte[] k = v.key();
      if (k.length != layout.infoPrefix.length + BlobId.BYTES) {
        throw new BlobException("unexpected key " + Bytes.show(k) + " under the blob info prefix of " + name);
      }
      BlobId id = new BlobId(java.util.Arrays.copyOfRange(k, layout.infoPrefix.length, k.length));
      Info i = decodeInfo(id, v.value());
      out.add(new BlobInfo(id, i.size(), Instant.ofEpochMilli(i.stampMillis())));
    }
    return new BlobPage(out, page.more());
  }

  @Override
  public void close() {
    closed = true;
    if (ownsKv) {
      kv.close();
    }
  }

  @Override
  public String toString() {
    return name;
  }

  private int partCount(int size) {
    return size == 0 ? 1 : (int) ((size + (long) partSize - 1) / partSize);
  }

  private byte[] part(byte[] content, int i) {
    int from = i * partSize;
    int to = (int) Math.min(content.length, (long) from + partSize);
    return from == 0 && to == content.length ? content : java.util.Arrays.copyOfRange(content, from, to);
  }

  private Info decodeInfo(BlobId id, byte[] b) {
    return KvBlobLayout.decodeInfo(id, b, name);
  }

  // ---- errors ----

  CommitResult commit(Txn t, BlobId id) {
    checkOpen();
    try {
      return kv.commit(t);
    } catch (KvLimitException e) {
      throw new BlobTooLargeException("blob " + id + " exceeds a limit of " + name + " (part size "
          + partSize + ", txn bound " + maxTxnBytes + " bytes; lower them for this backend): " + e.getMessage());
    } catch (RuntimeException e) {
      throw translate(e, "writing blob " + id);
    }
  }

  private void checkOpen() {
    if (closed) {
      throw new BlobException(name + " is closed");
    }
  }

  <T> T call(String what, Supplier<T> op) {
    checkOpen();
    try {
      return op.get();
    } catch (RuntimeException e) {
      throw translate(e, what);
    }
  }

  private RuntimeException translate(RuntimeException e, String what) {
    if (e instanceof KvUnavailableException) {
      return new BlobUnavailableException(name + " unavailable while " + what + ": " + e.getMessage(), e);
    }
    if (e instanceof KvClosedException) {
      return new BlobException(name + " is closed", e);
    }
    if (e instanceof KvException) {
      return new BlobException(name + " failed while " + what + ": " + e.getMessage(), e);
    }
    return e;
  }

  /** Settings of a {@link KvBlobStore}. Not thread-safe. */
  public static final class Builder {
    private final KvStore kv;
    private boolean ownsKv;
    private byte[] prefix = Bytes.utf8("blob/");
    private int partSize;
    private long maxTxnBytes;
    private int maxBlobBytes = 64 << 20;
    private Duration refreshAfter = Duration.ofHours(1);
    private Clock clock = Clock.systemUTC();
    private String name;

    private Builder(KvStore kv) {
      this.kv = Objects.requireNonNull(kv, "kv");
    }

    /** Key prefix of every key the store writes (default {@code "blob/"}). */
    public Builder prefix(byte[] prefix) {
      this.prefix = prefix.clone();
      return this;
    }

    /** Bytes per part key (default 4 MiB, or 256 KiB without {@link Capability#LARGE_VALUES}). */
    public Builder partSize(int partSize) {
      if (partSize <= 0) {
        throw new IllegalArgumentException("part size must be > 0, got " + partSize);
      }
      this.partSize = partSize;
      return this;
    }

    /** Most content bytes written in one txn (default 64 MiB, or 2 MiB without LARGE_VALUES). */
    public Builder maxTxnBytes(long maxTxnBytes) {
      if (maxTxnBytes <= 0) {
        throw new IllegalArgumentException("txn bound must be > 0, got " + maxTxnBytes);
      }
      this.maxTxnBytes = maxTxnBytes;
      return this;
    }

    /** Largest blob accepted (default 64 MiB). */
    public Builder maxBlobBytes(int maxBlobBytes) {
      this.maxBlobBytes = maxBlobBytes;
      return this;
    }

    /** A present blob's stamp older than this is refreshed by put and missing (default 1 h). */
    public Builder refreshAfter(Duration refreshAfter) {
      this.refreshAfter = Objects.requireNonNull(refreshAfter);
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /** Close the KvStore when the blob store closes. */
    public Builder ownsKv(boolean owns) {
      this.ownsKv = owns;
      return this;
    }

    /** Name used in error messages (e.g. the store URI). */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    public KvBlobStore build() {
      return new KvBlobStore(this);
    }
  }
}
