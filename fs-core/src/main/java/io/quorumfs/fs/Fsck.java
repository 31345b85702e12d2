package io.quorumfs.fs;

import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Checks every reference of a file system: dentry → inode, inode → dentries (nlink, one parent
 * per directory, parent pointers), directory counters, chunk map → inode and → blob, symlink
 * targets, trash and statfs counters. With {@code repair} it fixes what it found (dangling
 * dentries and chunks go, counters and nlink are rewritten, orphans move to the trash).
 *
 * <p>Run it on a quiet file system: it reads page by page, so concurrent changes show up as
 * spurious problems, and repairs are written without compares. Memory grows with the number of
 * inodes (a few dozen bytes each).
 */
public final class Fsck {

  /** What a run found. {@code problems} are human-readable, one per finding. */
  public record Report(long revision, long inodes, long dentries, long chunks, long blobs,
      List<String> problems, int repaired) {
    public Report {
      problems = List.copyOf(problems);
    }

    public boolean clean() {
      return problems.isEmpty();
    }
  }

  private final KvStore store;
  private final BlobStore blobs;
  private final Keys k;
  private final int cs;
  private final boolean repair;
  private final List<String> problems = new ArrayList<>();
  private final List<Txn> fixes = new ArrayList<>();

  private final Map<Long, Inode> inodes = new HashMap<>();
  private final Map<Long, Long> entriesCounter = new HashMap<>();
  private final Map<Long, Long> subdirsCounter = new HashMap<>();
  private final Set<Long> hasSymlink = new HashSet<>();
  private final Set<Long> orphanKeyInodes = new LinkedHashSet<>();
  private final Map<Long, Integer> links = new HashMap<>();
  private final Map<Long, Long> entries = new HashMap<>();
  private final Map<Long, Long> subdirs = new HashMap<>();
  private final Map<Long, Long> dirParentSeen = new HashMap<>();
  private final Set<Long> trash = new HashSet<>();
  private long dentryCount;
  private long chunkCount;

  private Fsck(KvStore store, BlobStore blobs, FsConfig config, boolean repair) {
    this.store = store;
    this.blobs = blobs;
    this.k = new Keys(config.keyPrefix());
    this.cs = config.chunkSize();
    this.repair = repair;
  }

  /**
   * Checks (and with {@code repair}, fixes) the file system in {@code meta} under the config's
   * key prefix, whose data live in {@code blobs}.
   */
  public static Report run(KvStore meta, BlobStore blobs, FsConfig config, boolean repair) {
    return new Fsck(meta, blobs, config, repair).run();
  }

  private Report run() {
    long revision = store.revision();
    scan(k.allTrash(), v -> trash.add(k.inoOfTrashKey(v.key())));
    scan(k.allInodes(), this::inodeKey);
    scan(k.allDentries(), this::dentry);
    checkInodes();
    Set<BlobId> ids = new HashSet<>();
    scan(k.allChunks(), v -> chunk(v, ids));
    checkBlobs(ids);
    checkCounters();
    int repaired = 0;
    if (repair) {
      for (Txn t : fixes) {
        store.commit(t);
        repaired++;
      }
    }
    return new Report(revision, inodes.size(), dentryCount, chunkCount, ids.size(), problems,
        repaired);
  }

  private void problem(String what, Txn fix) {
    problems.add(what);
    if (fix != null) {
      fixes.add(fix);
    }
  }

  private void scan(KeyRange range, Consumer<Versioned> each) {
    byte[] after = null;
    while (true) {
      ScanPage p = store.scan(range, 1000, after);
      p.entries().forEach(each);
      if (!p.more() || p.entries().isEmpty()) {
        return;
      }
      after = p.next();
    }
  }

  private void inodeKey(Versioned v) {
    long ino = k.inoOfInodeKey(v.key());
    byte kind = k.kindOfInodeKey(v.key());
    switch (kind) {
      case Keys.ATTR:
        inodes.put(ino, Inode.decode(ino, v.value()));
        break;
      case Keys.ENTRIES:
        entriesCounter.put(ino, Bytes.toLong(v.value()));
        break;
      case Keys.SUBDIRS:
        subdirsCounter.put(ino, Bytes.toLong(v.value()));
        break;
      case Keys.SYMLINK:
        hasSymlink.add(ino);
        break;
      default:
        break;
    }
    if (kind != Keys.ATTR && !inodes.containsKey(ino) && kind != Keys.HOLDS) {
      orphanKeyInodes.add(ino);
    }
  }

  private void dentry(Versioned v) {
    dentryCount++;
    long parent = k.parentOfDentry(v.key());
    String name = k.nameOfDentry(v.key());
    long child = Names.dentryIno(v.value());
    Inode p = inodes.get(parent);
    Inode c = inodes.get(child);
    if (p == null || !p.isDir() || c == null) {
      problem("dentry '" + name + "' in " + parent + " -> " + child + ": "
          + (p == null ? "parent missing" : !p.isDir() ? "parent is not a directory" : "inode missing"),
          Txn.builder().delete(v.key()).add(k.entries(parent), p != null && p.isDir() ? -1 : 0).build());
      return;
    }
    if (Names.dentryType(v.value()) != Mode.type(c.mode())) {
      problem("dentry '" + name + "' in " + parent + " has type 0" + Integer.toOctalString(
          Names.dentryType(v.value())) + " but inode " + child + " is a " + Mode.typeName(c.mode()),
          Txn.builder().put(v.key(), Names.dentryValue(child, c.mode())).build());
    }
    links.merge(child, 1, Integer::sum);
    entries.merge(parent, 1L, Long::sum);
    if (c.isDir()) {
      subdirs.merge(parent, 1L, Long::sum);
      if (dirParentSeen.put(child, parent) != null) {
        problem("directory " + child + " has more than one dentry", null);
      }
      if (c.parent() != parent) {
        problem("directory " + child + " ('" + name + "') is in " + parent + " but its parent pointer is "
            + c.parent(), Txn.builder().put(k.attr(child), c.withParent(parent).encode()).build());
      }
    }
  }

  private void checkInodes() {
    for (Inode in : inodes.values()) {
      long ino = in.ino();
      int n = links.getOrDefault(ino, 0);
      if (ino == FileSystem.ROOT) {
        if (!in.isDir()) {
          problem("root inode is a " + Mode.typeName(in.mode()), null);
        }
      } else if (in.isDir()) {
        if (n == 0 && !trash.contains(ino)) {
          problem("directory " + ino + " is not reachable (no dentry)", Txn.builder()
              .put(k.trash(ino), Keys.longBytes(0)).build());
        }
      } else if (n != in.nlink()) {
        if (n == 0 && trash.contains(ino) && in.nlink() == 0) {
          continue;
        }
        Txn.Builder fix = Txn.builder().put(k.attr(ino), in.withNlink(n).encode());
        if (n == 0) {
          fix.put(k.trash(ino), Keys.longBytes(0));
        }
        problem("inode " + ino + " has nlink " + in.nlink() + " but " + n + " dentries", fix.build());
      }
      if (in.isDir()) {
        long e = entries.getOrDefault(ino, 0L);
        long s = subdirs.getOrDefault(ino, 0L);
        if (entriesCounter.getOrDefault(ino, 0L) != e) {
          problem("directory " + ino + " counts " + entriesCounter.getOrDefault(ino, 0L)
              + " entries but has " + e, Txn.builder().put(k.entries(ino), Bytes.ofLong(e)).build());
        }
        if (subdirsCounter.getOrDefault(ino, 0L) != s) {
          problem("directory " + ino + " counts " + subdirsCounter.getOrDefault(ino, 0L)
              + " subdirectories but has " + s, Txn.builder().put(k.subdirs(ino), Bytes.ofLong(s)).build());
        }
      }
      if (Mode.isLink(in.mode()) && !hasSymlink.contains(ino)) {
        problem("symlink " + ino + " has no target", null);
      }
    }
    for (long ino : orphanKeyInodes) {
      if (!inodes.containsKey(ino)) {
        problem("keys of inode " + ino + " exist without its attributes", null);
        deleteRange(k.inodeAll(ino));
      }
    }
    for (long ino : trash) {
      if (!inodes.containsKey(ino)) {
        problem("trash entry of missing inode " + ino, Txn.builder().delete(k.trash(ino)).build());
      }
    }
  }

  /** Queues deletes of every key in {@code r}, in txns within the store's size limit. */
  private void deleteRange(KeyRange r) {
    int max = (int) Math.max(1, Math.min(256L, store.maxTxnSize()));
    List<Versioned> all = new ArrayList<>();
    scan(r, all::add);
    for (int i = 0; i < all.size(); i += max) {
      Txn.Builder b = Txn.builder();
      all.subList(i, Math.min(all.size(), i + max)).forEach(v -> b.delete(v.key()));
      fixes.add(b.build());
    }
  }

  private void chunk(Versioned v, Set<BlobId> ids) {
    chunkCount++;
    long ino = k.inoOfChunkKey(v.key());
    long index = k.indexOfChunkKey(v.key());
    Inode in = inodes.get(ino);
    ChunkRef ref;
    try {
      ref = ChunkRef.decode(v.value());
    } catch (FsException e) {
      problem("chunk " + index + " of inode " + ino + ": " + e.getMessage(),
          Txn.builder().delete(v.key()).build());
      return;
    }
    if (in == null || !in.isReg()) {
      problem("chunk " + index + " of " + (in == null ? "missing inode " : "non-file inode ") + ino,
          Txn.builder().delete(v.key()).build());
      return;
    }
    long start = index * cs;
    if (start >= in.size() || ref.length() > cs || ref.length() > in.size() - start) {
      problem("chunk " + index + " of inode " + ino + " (length " + ref.length()
          + ") lies beyond its size " + in.size(), Txn.builder().delete(v.key()).build());
      return;
    }
    ids.add(ref.id());
  }

  private void checkBlobs(Set<BlobId> ids) {
    List<BlobId> all = new ArrayList<>(ids);
    for (int i = 0; i < all.size(); i += 1000) {
      for (BlobId missing : blobs.missing(all.subList(i, Math.min(all.size(), i + 1000)))) {
        problem("blob " + missing + " referenced by a chunk map is missing from the blob store", null);
      }
    }
  }

  private void checkCounters() {
    long[] wantInodes = new long[Keys.SHARDS];
    long[] wantBytes = new long[Keys.SHARDS];
    for (Inode in : inodes.values()) {
      int shard = (int) (in.ino() & (Keys.SHARDS - 1));
      wantInodes[shard]++;
      wantBytes[shard] += Sessions.countedBytes(in);
    }
    List<Versioned> haveInodes = store.getAll(k.usedInodesShards());
    List<Versioned> haveBytes = store.getAll(k.usedBytesShards());
    for (int i = 0; i < Keys.SHARDS; i++) {
      long hi = Meta.longOf(haveInodes.get(i));
      if (hi != wantInodes[i]) {
        problem("statfs shard " + i + " counts " + hi + " inodes but there are " + wantInodes[i],
            Txn.builder().put(k.usedInodes(i), Bytes.ofLong(wantInodes[i])).build());
      }
      long hb = Meta.longOf(haveBytes.get(i));
      if (hb != wantBytes[i]) {
        problem("statfs shard " + i + " counts " + hb + " bytes but its files hold " + wantBytes[i],
            Txn.builder().put(k.usedBytes(i), Bytes.ofLong(wantBytes[i])).build());
      }
    }
  }
}
