package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.meta.MetaServer;
import io.quorumfs.meta.MetaServerConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Directory delegations (docs/fs.md) on {@code raft://}: a 3-replica Ratis cluster in this JVM,
 * each client with its own leased feed. Delegated operations here wait in the pipeline until a
 * flush (an hour's batch delay), so what a test sees of them is what recall, fsync and loss did.
 */
class DelegationTest extends FsFixture {
  @TempDir
  static Path dir;
  private static final List<MetaServer> SERVERS = new ArrayList<>();
  private static KvStore raft;

  @BeforeAll
  static void startCluster() throws IOException {
    Map<String, String> peers = new LinkedHashMap<>();
    List<Integer> ports = io.quorumfs.kv.FreePorts.distinct(3);
    for (int i = 1; i <= 3; i++) {
      peers.put("n" + i, "127.0.0.1:" + ports.get(i - 1));
    }
    for (String id : peers.keySet()) {
      Path d = dir.resolve(id);
      Files.createDirectories(d);
      SERVERS.add(MetaServer.start(MetaServerConfig.builder().id(id).peers(peers).storageDir(d)
          .storeUri("rocks://" + d.resolve("kv").toAbsolutePath()).build()));
    }
    raft = KvStores.open("raft://" + String.join(",", peers.values()));
    raft.commit(io.quorumfs.kv.Txn.builder().put("warmup".getBytes(), new byte[0]).build());
  }

  @AfterAll
  static void stopCluster() throws InterruptedException {
    if (raft != null) {
      raft.close();
    }
    List<Thread> stops = new ArrayList<>();
    for (MetaServer s : SERVERS) {
      Thread t = new Thread(s::close);
      t.start();
      stops.add(t);
    }
    for (Thread t : stops) {
      t.join();
    }
    SERVERS.clear();
  }

  @Override
  protected KvStore store() {
    return raft;
  }

  /** A client that takes a directory's delegation after 2 creates there and batches for an hour. */
  private KvFileSystem holder() {
    return (KvFileSystem) client(config.toBuilder().delegations(true).delegationTakeAfter(2)
        .delegationDelay(Duration.ofHours(1)).build());
  }

  private static void awaitLease(FileSystem c) {
    eventually(Duration.ofSeconds(30), "a cache lease", () -> ((KvFileSystem) c).cache().coherent());
  }

  /** A directory delegated to {@code a}: made, and 2 files created in it through the store. */
  private long delegatedDir(KvFileSystem a, String name) {
    awaitLease(a);
    long d = a.mkdir(ROOT, name, 0755, 0, 0).ino();
    for (int i = 0; i < 2; i++) {
      a.mknod(d, "pre" + i, 0644, 0, 0, 0);
    }
    assertTrue(a.delegations().holds(d), "delegation taken after 2 creates");
    return d;
  }

  private long delegKeys() {
    Keys k = new Keys(config.keyPrefix());
    ScanPage p = store.scan(k.allDelegs(), 100, null);
    return p.entries().size();
  }

  @Test
  void delegatedCreates_areAnsweredLocally_andRecalledInOrderByAnotherClient() {
    KvFileSystem a = holder();
    long d = delegatedDir(a, "d");
    long local = config.metrics().counter("quorumfs.fs.deleg.local").getCount();
    List<String> want = new ArrayList<>(List.of("pre0", "pre1"));
    for (int i = 0; i < 50; i++) {
      String n = String.format("f%03d", i);
      a.mknod(d, n, 0644, 0, 0, 0);
      want.add(n);
    }
    assertEquals(local + 50, config.metrics().counter("quorumfs.fs.deleg.local").getCount(),
        "the creates were delegated");
    assertEquals(2 + 50, names(a, d).size(), "the holder lists its own creates");
    assertTrue(a.lookup(d, "f049").isReg(), "the holder looks up its own pending create");
    long f0 = a.lookup(d, "f000").ino();
    assertTrue(a.attrVersion(f0) > 0, "a pending inode's version is its committed one");

    FileSystem b = client();
    awaitLease(b);
    assertTrue(b.lookup(d, "f049").isReg(), "another client's first lookup recalls and finds it");
    want.sort(null);
    assertEquals(want, names(b, d), "every create, none lost (listed by name)");
    eventually(Duration.ofSeconds(10), "A released", () -> !a.delegations().holds(d));
    assertEquals(0, delegKeys(), "delegation and recall keys deleted with the last batch");
    // Recalled: A works through the store again (no delegation during the back-off).
    a.mknod(d, "after", 0644, 0, 0, 0);
    assertTrue(b.lookup(d, "after").isReg());
    assertFalse(a.delegations().holds(d));
  }

  @Test
  void holderWritesAndRenamesInItsDelegatedDirectory_throughTheStore() {
    KvFileSystem a = holder();
    long d = delegatedDir(a, "d");
    Opened o = a.create(d, "data", 0644, 0, 0, FileSystem.O_RDWR);
    byte[] bytes = random(10_000, 7);
    writeAll(a, o.fh(), 0, bytes);
    a.fsync(o.fh(), false); // the data commit reads the pending create: the pipeline goes first
    a.release(o.fh());
    a.mkdir(d, "sub", 0755, 0, 0);
    a.rename(d, "data", d, "renamed", 0);
    a.unlink(d, "pre0");
    a.rmdir(d, "sub");
    FileSystem b = client();
    awaitLease(b);
    assertEquals(List.of("pre1", "renamed"), names(b, d));
    org.junit.jupiter.api.Assertions.assertArrayEquals(bytes, readAll(b, b.lookup(d, "renamed").ino()));
  }

  @Test
  void fsync_makesDelegatedCreatesDurable_andAHolderThatDiesLosesOnlyTheRest() throws Exception {
    KvFileSystem a = holder();
    long d = delegatedDir(a, "d");
    for (int i = 0; i < 10; i++) {
      a.mknod(d, "synced" + i, 0644, 0, 0, 0);
    }
    a.mkdir(d, "synceddir", 0755, 0, 0);
    a.syncfs();
    for (int i = 0; i < 10; i++) {
      a.mknod(d, "lost" + i, 0644, 0, 0, 0);
    }
    a.mkdir(d, "lostdir", 0755, 0, 0);
    a.delegations().halt(); // A dies: its pipeline commits nothing more, it heartbeats no more

    KvFileSystem b = (KvFileSystem) client();
    awaitLease(b);
    CompletableFuture<List<String>> listing = CompletableFuture.supplyAsync(() -> names(b, d));
    // B waits for A's delegation until A's session expires (B's own clock: unchanged for a TTL).
    b.maintain();
    clock.advance(config.sessionTtl().plusSeconds(1));
    b.maintain();
    List<String> seen = listing.get(60, TimeUnit.SECONDS);
    List<String> want = new ArrayList<>(List.of("pre0", "pre1"));
    for (int i = 0; i < 10; i++) {
      want.add("synced" + i);
    }
    want.add("synceddir");
    want.sort(null);
    assertEquals(want, seen, "what was fsynced is there, what was not is not");
    assertEquals(0, delegKeys(), "session expiry deleted the delegation and the recall");

    // Seen from inside the dead holder: its delegation is gone, so it answers EIO.
    eventually(Duration.ofSeconds(10), "A saw its delegation removed", () -> a.delegations().lost());
    assertErrno(Errno.EIO, () -> a.mknod(d, "later", 0644, 0, 0, 0));
    assertErrno(Errno.EIO, a::syncfs);
  }

  @Test
  void twoClientsAlternatingCreates_stayCorrect_andBackOff() {
    KvFileSystem a = holder();
    KvFileSystem b = (KvFileSystem) client(config.toBuilder().delegations(true)
        .delegationTakeAfter(2).delegationDelay(Duration.ofHours(1)).build());
    awaitLease(a);
    awaitLease(b);
    long d = a.mkdir(ROOT, "shared", 0755, 0, 0).ino();
    List<String> want = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      KvFileSystem me = i % 2 == 0 ? a : b;
      KvFileSystem other = i % 2 == 0 ? b : a;
      String n = String.format("n%03d", i);
      me.mknod(d, n, 0644, 0, 0, 0);
      want.add(n);
      other.barrier(); // as the FUSE layer does before every lookup (FileSystem#barrier)
      assertTrue(other.lookup(d, n).isReg(), "the other client sees " + n + " at once");
    }
    assertEquals(want, names(a, d));
    assertEquals(want, names(b, d));
    long recalls = config.metrics().counter("quorumfs.fs.deleg.recalls").getCount();
    assertTrue(recalls <= 1, "one recall, then both back off; saw " + recalls);
  }

  @Test
  void removingADelegatedDirectory_releasesItsDelegation() {
    KvFileSystem a = holder();
    long d = delegatedDir(a, "gone");
    a.mknod(d, "x", 0644, 0, 0, 0);
    for (String n : List.of("pre0", "pre1", "x")) {
      a.unlink(d, n);
    }
    a.rmdir(ROOT, "gone");
    assertFalse(a.delegations().holds(d));
    assertEquals(0, delegKeys());
  }

  @Test
  void withDelegationsOff_noDelegationIsTaken() {
    awaitLease(fs);
    long d = fs.mkdir(ROOT, "plain", 0755, 0, 0).ino();
    for (int i = 0; i < 20; i++) {
      fs.mknod(d, "f" + i, 0644, 0, 0, 0);
    }
    assertEquals(0, delegKeys());
  }
}
