package io.quorumfs.fs;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KeyRange;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The whole metadata key schema. Every key starts with the file system's prefix {@code P}
 * ({@link FsConfig#keyPrefix()}); numbers are 8-byte big-endian, so keys of one inode or one
 * directory are adjacent and scan in numeric order; names are raw UTF-8.
 *
 * <pre>
 * All keys:
 *   P G "format"              format record: magic, layout version, chunk size
 *   P G "ino"                 next free inode number (counter; clients reserve ranges with Add)
 *   P G "sid"                 last session id issued (counter)
 *   P G "inodes/" shard       inodes in use (counter, for statfs), 16 shards by inode number so
 *                             creates do not all hit one item (matters on DynamoDB)
 *   P G "bytes/" shard        bytes of file data in use (counter, for statfs), sharded the same way
 *   P I ino 'a'               inode attributes ({@link Inode}): type, mode, owner, size, times, nlink, parent
 *   P I ino 'm'               directory mtime in ns (Max), so creates in one dir never conflict; a
 *                             directory's mtime and ctime are the max of this and its attributes' ones
 *   P I ino 'n'               number of entries in a directory (Add); rmdir compares its version
 *   P I ino 's'               number of subdirectories (Add); nlink of a directory = 2 + this
 *   P I ino 'l'               symlink target (UTF-8)
 *   P I ino 'h'               open holds on an unlinked inode (Add); reclaim needs 0 and sets -1 while it runs
 *   P I ino 'L'               lock table: every flock and POSIX record lock on the inode ({@link LockTable})
 *   P I ino 'x' name          extended attribute value
 *   P C ino index             chunk map: chunk {@code index} (offset index*chunkSize) = blob id (32 B) + length (4 B);
 *                             absent = a hole (zeros)
 *   P D parent name           directory entry: child ino (8 B) + type (mode &gt;&gt; 12, 1 B)
 *   P S sid 'i'               session: heartbeat deadline ns, start ns, 0, hold position ({@link Holds}), host
 *                             (deleted when it ends or expires)
 *   P S sid 'o' ino           the session holds unlinked-but-open inode {@code ino}
 *   P S sid 'k' ino           the session has locks in the lock table of {@code ino}
 *   P S sid 'd' dir           the session holds the delegation of directory {@code dir} (session expiry
 *                             deletes the delegation and its recall request with it)
 *   P E dir 'd'               delegation of directory {@code dir}: holder session id (8 B). Taken with a
 *                             compare on absence; every namespace write in {@code dir} compares it (absent,
 *                             or the holder's version as taken); deleted by the holder's last batch
 *   P E dir 'r'               recall request of that delegation: requesting session id (8 B)
 *   P T ino                   trash: inode unlinked (nlink 0); value = unlink time ns (informational);
 *                             reclaimed when its hold count is 0 and every session's hold position is
 *                             at least this key's version
 *   P B ...                   blobs, when file data live in the metadata store (owned by the blob module)
 * </pre>
 */
final class Keys {

  static final byte GLOBAL = 'G';
  static final byte INODE = 'I';
  static final byte CHUNK = 'C';
  static final byte DENTRY = 'D';
  static final byte SESSION = 'S';
  static final byte TRASH = 'T';
  static final byte DELEG = 'E';

  static final byte ATTR = 'a';
  static final byte MTIME = 'm';
  static final byte ENTRIES = 'n';
  static final byte SUBDIRS = 's';
  static final byte SYMLINK = 'l';
  static final byte HOLDS = 'h';
  static final byte LOCKS = 'L';
  static final byte XATTR = 'x';

  static final byte SESSION_INFO = 'i';
  static final byte SESSION_HOLD = 'o';
  static final byte SESSION_LOCK = 'k';
  static final byte SESSION_DELEG = 'd';

  static final byte DELEG_HOLDER = 'd';
  static final byte DELEG_RECALL = 'r';

  private final byte[] p;
  // Precomputed: every create and unlink touches one of these.
  private final java.util.List<byte[]> inodeShards;
  private final java.util.List<byte[]> bytesShards;

  Keys(String prefix) {
    this.p = prefix.getBytes(StandardCharsets.UTF_8);
    this.inodeShards = shards("inodes/");
    this.bytesShards = shards("bytes/");
  }

  byte[] prefix() {
    return p.clone();
  }

  // ---- global ----
  byte[] global(String name) {
    return Bytes.concat(p, new byte[] {GLOBAL}, utf8(name));
  }

  byte[] format() {
    return global("format");
  }

  byte[] nextIno() {
    return global("ino");
  }

  byte[] nextSession() {
    return global("sid");
  }

  static final int SHARDS = 16;

  byte[] usedInodes(long ino) {
    return inodeShards.get((int) (ino & (SHARDS - 1)));
  }

  byte[] usedBytes(long ino) {
    return bytesShards.get((int) (ino & (SHARDS - 1)));
  }

  /** The 16 shard keys of the inodes-in-use counter (shared arrays: do not modify). */
  java.util.List<byte[]> usedInodesShards() {
    return inodeShards;
  }

  java.util.List<byte[]> usedBytesShards() {
    return bytesShards;
  }

  private java.util.List<byte[]> shards(String name) {
    byte[][] out = new byte[SHARDS][];
    for (int i = 0; i < SHARDS; i++) {
      out[i] = global(name + i);
    }
    return java.util.List.of(out);
  }

  // ---- inodes ----
  byte[] inodeKey(long ino, byte kind) {
    byte[] k = new byte[p.length + 10];
    System.arraycopy(p, 0, k, 0, p.length);
    k[p.length] = INODE;
    putLong(k, p.length + 1, ino);
    k[p.length + 9] = kind;
    return k;
  }

  byte[] attr(long ino) {
    return inodeKey(ino, ATTR);
  }

  byte[] mtime(long ino) {
    return inodeKey(ino, MTIME);
  }

  byte[] entries(long ino) {
    return inodeKey(ino, ENTRIES);
  }

  byte[] subdirs(long ino) {
    return inodeKey(ino, SUBDIRS);
  }

  byte[] symlink(long ino) {
    return inodeKey(ino, SYMLINK);
  }

  byte[] holds(long ino) {
    return inodeKey(ino, HOLDS);
  }

  byte[] locks(long ino) {
    return inodeKey(ino, LOCKS);
  }

  byte[] xattr(long ino, String name) {
    return Bytes.concat(inodeKey(ino, XATTR), utf8(name));
  }

  KeyRange xattrs(long ino) {
    return KeyRange.prefix(inodeKey(ino, XATTR));
  }

  /** Every key of one inode (attributes, counters, xattrs...), not its chunks or dentries. */
  KeyRange inodeAll(long ino) {
    byte[] k = new byte[p.length + 9];
    System.arraycopy(p, 0, k, 0, p.length);
    k[p.length] = INODE;
    putLong(k, p.length + 1, ino);
    return KeyRange.prefix(k);
  }

  KeyRange allInodes() {
    return KeyRange.prefix(Bytes.concat(p, new byte[] {INODE}));
  }

  /** The inode number of an {@code I} key and its kind byte at {@code [1]}. */
  long inoOfInodeKey(byte[] key) {
    return getLong(key, p.length + 1);
  }

  byte kindOfInodeKey(byte[] key) {
    return key[p.length + 9];
  }

  String xattrNameOf(byte[] key) {
    return new String(key, p.length + 10, key.length - p.length - 10, StandardCharsets.UTF_8);
  }

  // ---- chunks ----
  byte[] chunk(long ino, long index) {
    byte[] k = new byte[p.length + 17];
    System.arraycopy(p, 0, k, 0, p.length);
    k[p.length] = CHUNK;
    putLong(k, p.length + 1, ino);
    putLong(k, p.length + 9, index);
    return k;
  }

  KeyRange chunks(long ino) {
    return KeyRange.prefix(Arrays.copyOf(chunk(ino, 0), p.length + 9));
  }

  /** Chunks of {@code ino} with index &gt;= {@code from}. */
  KeyRange chunksFrom(long ino, long from) {
    return new KeyRange(chunk(ino, from), Bytes.prefixEnd(Arrays.copyOf(chunk(ino, 0), p.length + 9)));
  }

  KeyRange allChunks() {
    return KeyRange.prefix(Bytes.concat(p, new byte[] {CHUNK}));
  }

  long inoOfChunkKey(byte[] key) {
    return getLong(key, p.length + 1);
  }

  long indexOfChunkKey(byte[] key) {
    return getLong(key, p.length + 9);
  }

  // ---- dentries ----
  byte[] dentry(long parent, String name) {
    byte[] n = utf8(name);
    byte[] k = new byte[p.length + 9 + n.length];
    System.arraycopy(p, 0, k, 0, p.length);
    k[p.length] = DENTRY;
    putLong(k, p.length + 1, parent);
    System.arraycopy(n, 0, k, p.length + 9, n.length);
    return k;
  }

  byte[] dirPrefix(long parent) {
    byte[] k = new byte[p.length + 9];
    System.arraycopy(p, 0, k, 0, p.length);
    k[p.length] = DENTRY;
    putLong(k, p.length + 1, parent);
    return k;
  }

  KeyRange dir(long parent) {
    return KeyRange.prefix(dirPrefix(parent));
  }

  KeyRange allDentries() {
    return KeyRange.prefix(Bytes.concat(p, new byte[] {DENTRY}));
  }

  long parentOfDentry(byte[] key) {
    return getLong(key, p.length + 1);
  }

  String nameOfDentry(byte[] key) {
    return new String(key, p.length + 9, key.length - p.length - 9, StandardCharsets.UTF_8);
  }

  // ---- sessions ----
  byte[] sessionKey(long sid, byte kind) {
    byte[] k = new byte[p.length + 10];
    System.arraycopy(p, 0, k, 0, p.length);
    k[p.length] = SESSION;
    putLong(k, p.length + 1, sid);
    k[p.length + 9] = kind;
    return k;
  }

  byte[] session(long sid) {
    return sessionKey(sid, SESSION_INFO);
  }

  byte[] sessionHold(long sid, long ino) {
    return Bytes.concat(sessionKey(sid, SESSION_HOLD), longBytes(ino));
  }

  byte[] sessionLock(long sid, long ino) {
    return Bytes.concat(sessionKey(sid, SESSION_LOCK), longBytes(ino));
  }

  KeyRange sessionAll(long sid) {
    return KeyRange.prefix(Arrays.copyOf(sessionKey(sid, SESSION_INFO), p.length + 9));
  }

  KeyRange allSessions() {
    return KeyRange.prefix(Bytes.concat(p, new byte[] {SESSION}));
  }

  long sidOfSessionKey(byte[] key) {
    return getLong(key, p.length + 1);
  }

  byte kindOfSessionKey(byte[] key) {
    return key[p.length + 9];
  }

  /** The inode of a {@code S sid 'o' ino} or {@code S sid 'k' ino} key. */
  long inoOfSessionKey(byte[] key) {
    return getLong(key, p.length + 10);
  }

  byte[] sessionDeleg(long sid, long dir) {
    return Bytes.concat(sessionKey(sid, SESSION_DELEG), longBytes(dir));
  }

  // ---- delegations ----
  byte[] delegKey(long dir, byte kind) {
    byte[] k = new byte[p.length + 10];
    System.arraycopy(p, 0, k, 0, p.length);
    k[p.length] = DELEG;
    putLong(k, p.length + 1, dir);
    k[p.length + 9] = kind;
    return k;
  }

  byte[] deleg(long dir) {
    return delegKey(dir, DELEG_HOLDER);
  }

  byte[] recall(long dir) {
    return delegKey(dir, DELEG_RECALL);
  }

  /** The prefix {@code P E dir} of a directory's delegation and recall keys. */
  byte[] delegPrefix(long dir) {
    return Arrays.copyOf(deleg(dir), p.length + 9);
  }

  KeyRange allDelegs() {
    return KeyRange.prefix(Bytes.concat(p, new byte[] {DELEG}));
  }

  /** The directory of a {@code P E dir kind} key. */
  long dirOfDelegKey(byte[] key) {
    return getLong(key, p.length + 1);
  }

  byte kindOfDelegKey(byte[] key) {
    return key[p.length + 9];
  }

  // ---- trash ----
  byte[] trash(long ino) {
    byte[] k = new byte[p.length + 9];
    System.arraycopy(p, 0, k, 0, p.length);
    k[p.length] = TRASH;
    putLong(k, p.length + 1, ino);
    return k;
  }

  KeyRange allTrash() {
    return KeyRange.prefix(Bytes.concat(p, new byte[] {TRASH}));
  }

  long inoOfTrashKey(byte[] key) {
    return getLong(key, p.length + 1);
  }

  // ---- ranges a client can know complete ----

  /** The chunk-map prefix {@code P C ino}. */
  byte[] chunkPrefix(long ino) {
    return Arrays.copyOf(chunk(ino, 0), p.length + 9);
  }

  /** The prefix {@code P I ino} of every key of one inode (attributes, counters, xattrs...). */
  byte[] inodePrefix(long ino) {
    return Arrays.copyOf(attr(ino), p.length + 9);
  }

  /**
   * The range {@code key} belongs to among those a client can know complete ({@link
   * MetaCache#markComplete}): a directory's entries ({@code P D parent}), an inode's own keys
   * ({@code P I ino}: attributes, counters, lock table, xattrs), its chunk map ({@code P C ino}) or
   * a directory's delegation keys ({@code P E dir}); null for any other key.
   */
  byte[] rangeOf(byte[] key) {
    int n = p.length;
    if (key.length <= n + 9 || !Bytes.startsWith(key, p)) {
      return null;
    }
    byte kind = key[n];
    if (kind == DENTRY || kind == CHUNK || kind == INODE || kind == DELEG) {
      return Arrays.copyOf(key, n + 9);
    }
    return null;
  }

  // ---- blobs ----
  String blobPrefix() {
    return new String(p, StandardCharsets.UTF_8) + "B";
  }

  /** True if {@code key} is a key of {@code kind} ('G', 'I', 'C', ...). */
  boolean is(byte[] key, byte kind) {
    return key.length > p.length && Bytes.startsWith(key, p) && key[p.length] == kind;
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static byte[] longBytes(long v) {
    byte[] b = new byte[8];
    putLong(b, 0, v);
    return b;
  }

  static void putLong(byte[] b, int at, long v) {
    for (int i = 7; i >= 0; i--) {
      b[at + i] = (byte) v;
      v >>>= 8;
    }
  }

  static long getLong(byte[] b, int at) {
    long v = 0;
    for (int i = 0; i < 8; i++) {
      v = (v << 8) | (b[at + i] & 0xFF);
    }
    return v;
  }
}
