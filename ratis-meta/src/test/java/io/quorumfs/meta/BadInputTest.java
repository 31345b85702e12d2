package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.KvUnavailableException;
import io.quorumfs.kv.Txn;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad input gets a clear error and leaves every replica's data untouched. */
class BadInputTest {

  @TempDir
  Path dir;

  @Test
  void peerList_namingAnIdTwice_isRefused() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MetaServerConfig.parsePeers("n1=127.0.0.1:1,n2=127.0.0.1:2,n1=127.0.0.1:3"));
    assertTrue(e.getMessage().contains("'n1' appears twice"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> MetaServerConfig.parsePeers("n1=127.0.0.1:1,n2=127.0.0.1:1"));
    assertTrue(e.getMessage().contains("127.0.0.1:1 appears twice"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> MetaServerMain.parse(new String[] {
        "--id", "n4", "--peers", "n1=127.0.0.1:1", "--dir", dir.toString()}));
    assertTrue(e.getMessage().contains("'n4' is not in the peer list"), e.getMessage());
  }

  @Test
  void raftUri_parametersArePercentDecoded_andAnUnbracketedIpv6AddressNamesTheFix() {
    RaftKvStore.Options o = RaftKvStore.Options.parse(
        "raft://[::1]:9871,[::1]:9872?group=g&tlsKeyStore=/my%20keys/100%25.p12&tlsTrustStore=/t.p12&tlsPassword=p");
    assertEquals("g", o.group());
    assertEquals(Path.of("/my keys/100%.p12"), o.tls().keyStore());
    assertEquals(java.util.List.of("[::1]:9871", "[::1]:9872"),
        RaftEndpoints.parseAddresses("raft://[::1]:9871,[::1]:9872/?group=g"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KvStores.open("raft://::1:9871?group=g"));
    assertTrue(e.getMessage().contains("an IPv6 address is written in brackets, e.g. [::1]:9871"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> RaftKvStore.Options.parse("raft://h:1?batch=1&batch=2"));
    assertEquals("parameter 'batch' is given twice in 'raft://h:1'; give it once", e.getMessage());
  }

  @Test
  void raftUri_clientSideCommitParameters_areRefusedNamingWhatToDo() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KvStores.open("raft://127.0.0.1:1?commit=client"));
    assertTrue(e.getMessage().contains("'commit=client' is not supported") && e.getMessage().contains("drop the"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> RaftKvStore.Options.parse("raft://127.0.0.1:1?lingerMicros=200"));
    assertTrue(e.getMessage().contains("'lingerMicros'") && e.getMessage().contains("--group-commit lingerMicros=N"),
        e.getMessage());
    assertEquals(512, RaftKvStore.Options.parse("raft://127.0.0.1:1?commit=leader").batchTxns());
  }

  @Test
  void unreachableQuorum_timesOutWithAClearError() throws Exception {
    String uri = "raft://127.0.0.1:" + LocalCluster.freePort() + ",127.0.0.1:" + LocalCluster.freePort()
        + "?timeout=2s&requestTimeout=1s";
    KvUnavailableException e = assertThrows(KvUnavailableException.class, () -> KvStores.open(uri));
    assertTrue(e.getMessage().contains("no replica of group 'meta' answered"), e.getMessage());

    try (LocalCluster c = new LocalCluster(dir, 3, "mem")) {
      c.awaitLeader(Duration.ofSeconds(60));
      try (KvStore s = KvStores.open(c.uri() + "?timeout=3s&requestTimeout=1s")) {
        s.commit(Txn.builder().put(Bytes.utf8("a"), Bytes.utf8("1")).build());
        c.stop("n1");
        c.stop("n2");
        KvUnavailableException down = assertThrows(KvUnavailableException.class,
            () -> s.commit(Txn.builder().put(Bytes.utf8("b"), Bytes.utf8("1")).build()));
        assertTrue(down.getMessage().contains("commit"), down.getMessage());
        assertThrows(KvUnavailableException.class, () -> s.get(Bytes.utf8("a")));
      }
    }
  }

  @Test
  void malformedEntry_getsAnErrorResult_andTheReplicasGoOn() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "rocks")) {
      c.awaitLeader(Duration.ofSeconds(60));
      try (RaftKvStore s = (RaftKvStore) KvStores.open(c.uri())) {
        long r1 = s.commit(Txn.builder().put(Bytes.utf8("a"), Bytes.utf8("1")).build()).revision();
        try (RaftClient raw = RaftEndpoints.newClient(RaftSettings.group("meta", c.peers),
            RaftSettings.client(Duration.ofSeconds(4)), RetryPolicies.retryUpToMaximumCountWithFixedSleep(50,
                org.apache.ratis.util.TimeDuration.valueOf(100, java.util.concurrent.TimeUnit.MILLISECONDS)))) {
          for (byte[] junk : new byte[][] {{'C', 0, 0, 0, 9}, {'C', 0x7f, 0, 0, 0}, {'Z'}, {},
              {'B', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 9}, {'B', 1}}) {
            RaftClientReply reply = raw.io().send(MetaStateMachine.message(junk));
            byte[] body = reply.getMessage().getContent().toByteArray();
            String text = new String(body, StandardCharsets.UTF_8);
            assertEquals(Wire.ERROR, body[0], text);
            assertTrue(text.contains("malformed entry at index"), text);
          }
        }
        // The test-only reset entry is refused by a cluster that does not allow it; nothing is deleted.
        // (refused in startTransaction as a failed reply; RaftKvStoreRetryTest checks the client goes on)
        try (RaftKvStore other = (RaftKvStore) KvStores.open(c.uri() + "?timeout=5s")) {
          org.junit.jupiter.api.Assertions.assertThrows(io.quorumfs.kv.KvException.class, other::resetForTests);
        }
        assertEquals(r1, s.get(Bytes.utf8("a")).version());
        long r2 = s.commit(Txn.builder().put(Bytes.utf8("b"), Bytes.utf8("2")).build()).revision();
        assertTrue(r2 > r1);
        assertEquals(r1, s.get(Bytes.utf8("a")).version());
        awaitSameDigest(s);
      }
    }
  }

  static void awaitSameDigest(RaftKvStore s) {
    LocalCluster.poll(Duration.ofSeconds(30), "replicas to agree", () -> {
      Set<String> d = new HashSet<>();
      for (RaftPeerId p : s.peers()) {
        d.add(s.digestOf(p));
      }
      return d.size() == 1;
    });
  }

  @Test
  void storageDirOfAnotherGroup_isRefused_andLeftUntouched() throws Exception {
    MetaServerConfig meta = MetaServerConfig.builder().id("n1").peers("n1=127.0.0.1:" + LocalCluster.freePort())
        .storageDir(dir.resolve("n1")).build();
    try (MetaServer s = MetaServer.start(meta); KvStore kv = KvStores.open("raft://" + meta.address())) {
      LocalCluster.poll(Duration.ofSeconds(30), "single replica leader", s::isLeader);
      kv.commit(Txn.builder().put(Bytes.utf8("a"), Bytes.utf8("1")).build());
    }
    // RocksDB rotates its own LOG files on every open, so the raft dir is compared file by file
    // and the store by its data.
    long before;
    try (var files = Files.walk(dir)) {
      before = files.filter(p -> !p.startsWith(dir.resolve("n1/kv"))).count();
    }
    MetaServerConfig other = meta.toBuilder().group("other").build();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> MetaServer.start(other));
    assertTrue(e.getMessage().contains("holds raft group") && e.getMessage().contains("'other'"), e.getMessage());
    // Same group, but the raft dir is gone while the store still has data: refused too.
    MetaServerConfig storeWithoutLog = meta.toBuilder().storageDir(dir.resolve("elsewhere"))
        .storeUri(meta.storeUri()).build();
    e = assertThrows(IllegalStateException.class, () -> MetaServer.start(storeWithoutLog));
    assertTrue(e.getMessage().contains("log is gone"), e.getMessage());
    long after;
    try (var files = Files.walk(dir)) {
      after = files.filter(p -> !p.startsWith(dir.resolve("elsewhere")) && !p.startsWith(dir.resolve("n1/kv"))).count();
    }
    assertEquals(before, after, "files were added or removed by a refused start");
    try (MetaServer s = MetaServer.start(meta); KvStore kv = KvStores.open("raft://" + meta.address())) {
      LocalCluster.poll(Duration.ofSeconds(30), "the original replica to come back", s::isLeader);
      assertEquals("1", new String(kv.get(Bytes.utf8("a")).value(), StandardCharsets.UTF_8));
    }
  }

  @Test
  void replicaRestart_replaysFromItsAppliedIndex_withoutApplyingTwice() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "rocks")) {
      c.awaitLeader(Duration.ofSeconds(60));
      try (RaftKvStore s = (RaftKvStore) KvStores.open(c.uri())) {
        for (int i = 0; i < 20; i++) {
          s.commit(Txn.builder().add(Bytes.utf8("ctr"), 1).build());
        }
        c.restart("n3");
        c.restart("n2");
        s.commit(Txn.builder().add(Bytes.utf8("ctr"), 1).build());
        assertEquals(21, Bytes.toLong(s.get(Bytes.utf8("ctr")).value()));
        awaitSameDigest(s);
      }
    }
  }
}
