package io.quorumfs.blob;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The name of a blob: the SHA-256 of its content (32 bytes). Immutable; its {@link #toString()} is
 * the 64-character lower-case hex form used in logs, paths and URLs.
 */
public record BlobId(byte[] hash) implements Comparable<BlobId> {

  /** Length of a SHA-256 hash in bytes. */
  public static final int BYTES = 32;

  private static final char[] HEX = "0123456789abcdef".toCharArray();
  private static final AtomicBoolean WARMED = new AtomicBoolean();
  private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(BlobId::newDigest);

  /**
   * @throws IllegalArgumentException unless {@code hash} has exactly {@link #BYTES} bytes
   */
  public BlobId {
    Objects.requireNonNull(hash, "hash");
    if (hash.length != BYTES) {
      throw new IllegalArgumentException("a blob id is a " + BYTES + "-byte SHA-256, got " + hash.length + " bytes");
    }
    hash = hash.clone();
  }

  /** The id of {@code content}. */
  public static BlobId of(byte[] content) {
    return of(content, 0, content.length);
  }

  /** The id of {@code content[off, off + len)}. */
  public static BlobId of(byte[] content, int off, int len) {
    Objects.checkFromIndexSize(off, len, content.length);
    MessageDigest md = SHA256.get();
    md.update(content, off, len);
    return new BlobId(md.digest());
  }

  /**
   * Starts, once per JVM, a daemon thread that hashes ~8 MB in small pieces so that the JIT compiles
   * SHA-256 with the CPU's SHA instructions (HotSpot's C2 intrinsic, {@code UseSHA256Intrinsics})
   * before a file system needs it. Until C2 has compiled the hashing loop, a MiB costs 6-15 ms of
   * CPU instead of ~0.8 ms (measured on 2 cores: the first 256 MiB written after start ran at a
   * fifth of the steady rate, the compile waiting seconds for a busy CPU). Cheap (tens of ms of one
   * thread) and harmless to call often.
   */
  public static void warmUpInBackground() {
    if (WARMED.compareAndSet(false, true)) {
      Thread t = new Thread(BlobId::warmUp, "quorumfs-sha256-warmup");
      t.setDaemon(true);
      t.setPriority(Thread.MIN_PRIORITY);
      t.start();
    }
  }

  static void warmUp() {
    // Tier-4 compile thresholds count calls and loop iterations: many short updates reach them
    // fastest (each update of >= 64 bytes calls the multi-block loop the intrinsic replaces).
    MessageDigest md = newDigest();
    byte[] piece = new byte[256];
    for (int i = 0; i < 32_000; i++) {
      piece[i & 255] = (byte) i;
      md.update(piece);
      if ((i & 63) == 63) {
        md.digest();
      }
    }
  }

  /** A fresh SHA-256 digest, for callers hashing streamed content (finish with {@link #ofDigest}). */
  public static MessageDigest newDigest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JVM has no SHA-256", e);
    }
  }

  /** The id whose hash {@code md} (a SHA-256 digest) has computed; resets {@code md}. */
  public static BlobId ofDigest(MessageDigest md) {
    return new BlobId(md.digest());
  }

  /**
   * Parses the 64-character hex form (either case).
   *
   * @throws IllegalArgumentException naming the input and what is wrong with it
   */
  public static BlobId parse(String hex) {
    Objects.requireNonNull(hex, "hex");
    if (hex.length() != 2 * BYTES) {
      throw new IllegalArgumentException("malformed blob id '" + abbreviate(hex) + "': expected "
          + 2 * BYTES + " hex digits (a SHA-256), got " + hex.length() + " characters");
    }
    byte[] b = new byte[BYTES];
    for (int i = 0; i < BYTES; i++) {
      int hi = digit(hex, 2 * i);
      int lo = digit(hex, 2 * i + 1);
      b[i] = (byte) (hi << 4 | lo);
    }
    return new BlobId(b);
  }

  /** True if {@code s} is a well-formed id ({@link #parse} would succeed). */
  public static boolean isValid(String s) {
    if (s == null || s.length() != 2 * BYTES) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      if (Character.digit(s.charAt(i), 16) < 0) {
        return false;
      }
    }
    return true;
  }

  private static int digit(String s, int i) {
    int d = Character.digit(s.charAt(i), 16);
    if (d < 0) {
      throw new IllegalArgumentException("malformed blob id '" + abbreviate(s) + "': character '"
          + s.charAt(i) + "' at position " + i + " is not a hex digit");
    }
    return d;
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? s : s.substring(0, 77) + "...";
  }

  /** A copy of the 32 hash bytes. */
  @Override
  public byte[] hash() {
    return hash.clone();
  }

  /** Copies the 32 hash bytes into {@code dst} at {@code off}. */
  public void writeTo(byte[] dst, int off) {
    System.arraycopy(hash, 0, dst, off, BYTES);
  }

  /** True if {@code content} hashes to this id. */
  public boolean matches(byte[] content) {
    return matches(content, 0, content.length);
  }

  /** True if {@code content[off, off + len)} hashes to this id. */
  public boolean matches(byte[] content, int off, int len) {
    MessageDigest md = SHA256.get();
    md.update(content, off, len);
    return MessageDigest.isEqual(hash, md.digest());
  }

  /** The 64-character lower-case hex form. */
  public String hex() {
    char[] c = new char[2 * BYTES];
    for (int i = 0; i < BYTES; i++) {
      c[2 * i] = HEX[(hash[i] >> 4) & 0xF];
      c[2 * i + 1] = HEX[hash[i] & 0xF];
    }
    return new String(c);
  }

  /** The first {@code n} hex digits, for short log lines. */
  public String shortHex(int n) {
    return hex().substring(0, Math.min(n, 2 * BYTES));
  }

  @Override
  public int compareTo(BlobId o) {
    return Arrays.compareUnsigned(hash, o.hash);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BlobId && Arrays.equals(hash, ((BlobId) o).hash);
  }

  @Override
  public int hashCode() {
    // The content is a cryptographic hash already: its first bytes are uniformly distributed.
    return (hash[0] & 0xFF) << 24 | (hash[1] & 0xFF) << 16 | (hash[2] & 0xFF) << 8 | (hash[3] & 0xFF);
  }

  @Override
  public String toString() {
    return hex();
  }
}
