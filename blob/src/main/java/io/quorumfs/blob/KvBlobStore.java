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
 * </pre>
 * A blob is visible exactly when its info key exists. The info key is written last, in one txn
 * with every part when the whole blob fits the txn size bound ({@code maxTxnBytes}); otherwise
 * parts go first in several txns and the info txn then requires each part to still be at the
 * version written, so a concurrent delete can never leave an info without its parts. Deletes
 * remove the info and every part in one txn, conditional on the info's version. Parts whose info
 * was never written (a crash mid-put) are invisible; they are overwritten by the next put of the
 * same content.
 *
 * <p>Backends without {@link Capability#LARGE_VALUES} (DynamoDB's 400 KB items) get 256 KiB parts
 * and 2 MiB txns by default; others 4 MiB parts and 64 MiB txns. The final txn of a multi-txn put
 * holds a compare per part and the info, at most {@link KvStore#maxTxnSize()} entries, which bounds the largest
 * blob at {@code maxTxnSize - 2} parts (DynamoDB: 95 parts of 256 KiB, 23.75 MiB; chunks are at
 * most 4 MiB).
 */
public final class KvBlobStore implements BlobStore {

  private static final byte FORMAT = 1;
  private static final int INFO_BYTES = 25;
  private static final int MAX_PUT_ATTEMPTS = 8;

  private final KvStore kv;
  private final boolean ownsKv;
  private final byte[] infoPrefix;
  private final byte[] partPrefix;
  private final int partSize;
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
    this.infoPrefix = Bytes.concat(b.prefix, new byte[] {'i'});
    this.partPrefix = Bytes.concat(b.prefix, new byte[] {'p'});
    boolean large = kv.capabilities().contains(Capability.LARGE_VALUES);
    this.partSize = b.partSize > 0 ? b.partSize : (large ? 4 << 20 : 256 << 10);
    this.maxTxnBytes = b.maxTxnBytes > 0 ? b.maxTxnBytes : (large ? 64L << 20 : 2L << 20);
    // A blob's parts, its info and a compare per part must fit one txn (the final and the delete txn).
    this.maxOpsPerTxn = Math.max(3, Math.min(kv.maxTxnSize(), 100_000));
    this.maxBlobBytes = (int) Math.min(b.maxBlobBytes, (long) (maxOpsPerTxn - 2) * partSize);
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
    if (content.length > maxBlobBytes) {
      throw new BlobTooLargeException("blob of " + content.length + " bytes exceeds the limit of "
          + maxBlobBytes + " bytes of " + name);
    }
    BlobId id = BlobId.of(content);
    byte[] infoKey = infoKey(id);
    for (int attempt = 1; ; attempt++) {
      Versioned info = call("checking blob " + id, () -> kv.get(infoKey));
      if (info.exists()) {
        if (refreshIfStale(id, info)) {
          return id;
        }
      } else if (write(id, content)) {
        return id;
      }
      if (attempt == MAX_PUT_ATTEMPTS) {
        throw new BlobException("put of blob " + id + " into " + name + " kept conflicting with concurrent"
            + " writes or deletes of the same blob after " + attempt + " attempts");
      }
    }
  }

  /** Writes the blob; false if a concurrent put or delete got in the way (the caller re-reads). */
  private boolean write(BlobId id, byte[] content) {
    byte[] infoKey = infoKey(id);
    int parts = partCount(content.length);
    byte[] info = encodeInfo(content.length, clock.millis(), parts);
    if (content.length + (long) INFO_BYTES <= maxTxnBytes && parts + 2 <= maxOpsPerTxn) {
      Txn.Builder t = Txn.builder().requireAbsent(infoKey);
      for (int i = 0; i < parts; i++) {
        t.put(partKey(id, i), part(content, i));
      }
      t.put(infoKey, info);
      return commit(t.build(), id).ok();
    }
    // Too big for one txn: parts first, then the info, requiring the parts to be unchanged.
    Txn.Builder fin = Txn.builder().requireAbsent(infoKey);
    Txn.Builder t = Txn.builder();
    List<byte[]> pending = new ArrayList<>();
    long bytes = 0;
    for (int i = 0; i < parts; i++) {
      byte[] p = part(content, i);
      if ((bytes + p.length > maxTxnBytes || pending.size() == maxOpsPerTxn) && !pending.isEmpty()) {
        long rev = commit(t.build(), id).revision();
        pending.forEach(k -> fin.requireVersion(k, rev));
        pending.clear();
        t = Txn.builder();
        bytes = 0;
      }
      byte[] k = partKey(id, i);
      t.put(k, p);
      pending.add(k);
      bytes += p.length;
    }
    long rev = commit(t.build(), id).revision();
    pending.forEach(k -> fin.requireVersion(k, rev));
    fin.put(infoKey, info);
    return commit(fin.build(), id).ok();
  }

  /** True if the blob is present afterwards (stamp fresh or refreshed), false if it vanished. */
  private boolean refreshIfStale(BlobId id, Versioned info) {
    Info i = decodeInfo(id, info.value());
    long now = clock.millis();
    if (now - i.stampMillis < refreshAfter.toMillis()) {
      return true;
    }
    Txn t = Txn.builder().requireUnchanged(info).put(info.key(), encodeInfo(i.size, now, i.parts)).build();
    return commit(t, id).ok();
  }

  @Override
  public byte[] get(BlobId id) {
    Objects.requireNonNull(id, "id");
    byte[] infoKey = infoKey(id);
    List<Versioned> first = call("reading blob " + id, () -> kv.getAll(List.of(infoKey, partKey(id, 0))));
    Versioned iv = first.get(0);
    if (!iv.exists()) {
      throw new BlobNotFoundException(id, name);
    }
    Info info = decodeInfo(id, iv.value());
    if (info.size > Integer.MAX_VALUE - 16) {
      throw new BlobCorruptException(id, "info records an impossible size of " + info.size + " bytes");
    }
    List<Versioned> parts = new ArrayList<>(info.parts);
    parts.add(first.get(1));
    if (info.parts > 1) {
      List<byte[]> keys = new ArrayList<>(info.parts);
      keys.add(infoKey);
      for (int i = 1; i < info.parts; i++) {
        keys.add(partKey(id, i));
      }
      List<Versioned> rest = call("reading blob " + id, () -> kv.getAll(keys));
      if (rest.get(0).version() != iv.version()) {
        return get(id); // deleted or refreshed in between: read again from a consistent info
      }
      parts.addAll(rest.subList(1, rest.size()));
    }
    byte[] out = new byte[(int) info.size];
    int at = 0;
    for (int i = 0; i < info.parts; i++) {
      Versioned p = parts.get(i);
      int expect = (int) Math.min(info.partSize, info.size - at);
      if (!p.exists() || p.value().length != expect) {
        throw new BlobCorruptException(id, "part " + i + " of " + info.parts + " in " + name + " is "
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
    Versioned v = call("reading the info of blob " + id, () -> kv.get(infoKey(id)));
    if (!v.exists()) {
      return Optional.empty();
    }
    Info i = decodeInfo(id, v.value());
    return Optional.of(new BlobInfo(id, i.size, Instant.ofEpochMilli(i.stampMillis)));
  }

  @Override
  public Set<BlobId> missing(Collection<BlobId> ids) {
    List<BlobId> list = List.copyOf(new LinkedHashSet<>(ids));
    if (list.isEmpty()) {
      return Set.of();
    }
    List<byte[]> keys = new ArrayList<>(list.size());
    list.forEach(id -> keys.add(infoKey(id)));
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
    list.forEach(id -> keys.add(infoKey(id)));
    List<Versioned> found = call("checking " + list.size() + " blobs", () -> kv.getAll(keys));
    int deleted = 0;
    for (int i = 0; i < list.size(); i++) {
      Versioned v = found.get(i);
      if (!v.exists()) {
        continue;
      }
      BlobId id = list.get(i);
      Info info = decodeInfo(id, v.value());
      if (!Instant.ofEpochMilli(info.stampMillis).isBefore(cutoff)) {
        continue;
      }
      Txn.Builder t = Txn.builder().requireUnchanged(v).delete(v.key());
      for (int p = 0; p < info.parts; p++) {
        t.delete(partKey(id, p));
      }
      if (commit(t.build(), id).ok()) {
        deleted++;
      }
    }
    return deleted;
  }

  @Override
  public BlobPage list(BlobId after, int limit) {
    if (limit <= 0) {
      throw new IllegalArgumentException("limit must be > 0, got " + limit);
    }
    byte[] from = after == null ? null : infoKey(after);
    ScanPage page = call("listing blobs", () -> kv.scan(KeyRange.prefix(infoPrefix), limit, from));
    List<BlobInfo> out = new ArrayList<>(page.entries().size());
    for (Versioned v : page.entries()) {
      byte[] k = v.key();
      if (k.length != infoPrefix.length + BlobId.BYTES) {
        throw new BlobException("unexpected key " + Bytes.show(k) + " under the blob info prefix of " + name);
      }
      BlobId id = new BlobId(java.util.Arrays.copyOfRange(k, infoPrefix.length, k.length));
      Info i = decodeInfo(id, v.value());
      out.add(new BlobInfo(id, i.size, Instant.ofEpochMilli(i.stampMillis)));
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

  // ---- encoding ----

  private record Info(long size, long stampMillis, int parts, int partSize) {}

  private byte[] encodeInfo(long size, long stampMillis, int parts) {
    byte[] b = new byte[INFO_BYTES];
    b[0] = FORMAT;
    System.arraycopy(Bytes.ofLong(size), 0, b, 1, 8);
    System.arraycopy(Bytes.ofLong(stampMillis), 0, b, 9, 8);
    putInt(b, 17, parts);
    putInt(b, 21, partSize);
    return b;
  }

  private Info decodeInfo(BlobId id, byte[] b) {
    if (b == null || b.length != INFO_BYTES || b[0] != FORMAT) {
      throw new BlobCorruptException(id, "info record in " + name + " is malformed ("
          + (b == null ? "null" : b.length + " bytes, format " + (b.length > 0 ? b[0] : -1)) + ")");
    }
    long size = Bytes.toLong(java.util.Arrays.copyOfRange(b, 1, 9));
    long stamp = Bytes.toLong(java.util.Arrays.copyOfRange(b, 9, 17));
    int parts = getInt(b, 17);
    int ps = getInt(b, 21);
    if (size < 0 || ps <= 0 || parts != (size == 0 ? 1 : (int) ((size + ps - 1) / ps))) {
      throw new BlobCorruptException(id, "info record in " + name + " is inconsistent: size " + size
          + ", parts " + parts + ", part size " + ps);
    }
    return new Info(size, stamp, parts, ps);
  }

  private int partCount(int size) {
    return size == 0 ? 1 : (int) ((size + (long) partSize - 1) / partSize);
  }

  private byte[] part(byte[] content, int i) {
    int from = i * partSize;
    int to = (int) Math.min(content.length, (long) from + partSize);
    return from == 0 && to == content.length ? content : java.util.Arrays.copyOfRange(content, from, to);
  }

  private byte[] infoKey(BlobId id) {
    byte[] k = java.util.Arrays.copyOf(infoPrefix, infoPrefix.length + BlobId.BYTES);
    id.writeTo(k, infoPrefix.length);
    return k;
  }

  private byte[] partKey(BlobId id, int index) {
    byte[] k = java.util.Arrays.copyOf(partPrefix, partPrefix.length + BlobId.BYTES + 4);
    id.writeTo(k, partPrefix.length);
    putInt(k, partPrefix.length + BlobId.BYTES, index);
    return k;
  }

  private static void putInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
  }

  private static int getInt(byte[] b, int at) {
    return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
  }

  // ---- errors ----

  private CommitResult commit(Txn t, BlobId id) {
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

  private <T> T call(String what, Supplier<T> op) {
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
