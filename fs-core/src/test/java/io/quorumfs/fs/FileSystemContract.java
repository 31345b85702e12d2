package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Txn;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every quorumfs file system must show, whatever its metadata store: subclass it per
 * backend with {@link #store()} returning a real store. The behaviours live in a chain of
 * abstract classes to keep files short: {@link NamespaceBehaviours} → {@link XattrAndPathBehaviours} → {@link RenameBehaviours} →
 * {@link DataBehaviours} → {@link LockBehaviours} → {@link ClientsBehaviours} → this class
 * (fsck and GC mark). Every test ends with an fsck of the tree that must be clean.
 */
public abstract class FileSystemContract extends ClientsBehaviours {

  @Test
  void fsck_findsAndRepairsADanglingDentryAndWrongCounters() {
    Attr d = dir(ROOT, "d");
    Keys k = new Keys(config.keyPrefix());
    store.commit(Txn.builder().put(k.dentry(d.ino(), "ghost"), Names.dentryValue(555_555L, Mode.S_IFREG))
        .add(k.entries(d.ino()), 5).build());
    Fsck.Report r = Fsck.run(store, blobs, config, false);
    assertFalse(r.clean());
    assertEquals(2, r.problems().size(), r.problems().toString());
    Fsck.Report fixed = Fsck.run(store, blobs, config, true);
    assertEquals(2, fixed.repaired());
    assertTrue(Fsck.run(store, blobs, config, false).clean());
  }

  @Test
  void fsck_reportsAChunkWithoutItsInode() {
    Attr a = writeFile(fs, ROOT, "f", random(100, 40));
    Keys k = new Keys(config.keyPrefix());
    byte[] entry = store.get(k.chunk(a.ino(), 0)).value();
    store.commit(Txn.builder().put(k.chunk(9_999_999L, 0), entry).build());
    Fsck.Report r = Fsck.run(store, blobs, config, true);
    assertEquals(1, r.problems().size(), r.problems().toString());
    assertTrue(Fsck.run(store, blobs, config, false).clean());
  }

  @Test
  void gcMark_containsEveryReferencedBlob() {
    Attr a = writeFile(fs, ROOT, "a", random(CHUNK * 2, 41));
    writeFile(fs, ROOT, "b", random(10, 42));
    GcMark.Marked m = GcMark.liveBlobs(store, config, Duration.ofSeconds(30));
    assertEquals(3, m.live().size());
    fs.unlink(ROOT, "a");
    ((KvFileSystem) fs).maintain();
    assertErrno(Errno.ENOENT, () -> fs.getattr(a.ino()));
    assertEquals(1, GcMark.liveBlobs(store, config, Duration.ofSeconds(30)).live().size());
  }
}
