package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.Poll;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three replicas on the IPv6 loopback, a client on raft://[::1]:…, and the unbracketed mistake. */
class Ipv6ClusterTest {
  @TempDir Path dir;

  @Test
  void threeReplicasOnIpv6Loopback_commitReadWatch_andSurviveTheLeaderStopping() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "rocks", b -> b, "::1")) {
      assertTrue(c.uri().startsWith("raft://[::1]:"), c.uri());
      String first = c.awaitLeader(Duration.ofSeconds(60));
      try (KvStore s = KvStores.open(c.uri())) {
        List<ChangeEvent> seen = new CopyOnWriteArrayList<>();
        try (Watch w = s.watch(s.revision(), new WatchListener() {
          @Override
          public void onEvent(ChangeEvent e) {
            seen.add(e);
          }

          @Override
          public void onResync(long revision) {}
        })) {
          CommitResult r = s.commit(Txn.builder().put(Bytes.utf8("v6/a"), Bytes.utf8("1")).build());
          assertTrue(r.ok());
          assertEquals("1", new String(s.get(Bytes.utf8("v6/a")).value()));
          Poll.until(Duration.ofSeconds(30), "the watch delivering the commit",
              () -> seen.stream().anyMatch(e -> e.revision() >= r.revision()));
        }
        c.stop(first);
        c.awaitLeader(Duration.ofSeconds(60));
        CommitResult r2 = s.commit(Txn.builder().put(Bytes.utf8("v6/b"), Bytes.utf8("2")).build());
        assertTrue(r2.ok());
        assertEquals("1", new String(s.get(Bytes.utf8("v6/a")).value()));
        assertEquals("2", new String(s.get(Bytes.utf8("v6/b")).value()));
      }
    }
  }

  @Test
  void anUnbracketedIpv6Address_isRefusedNamingTheFix() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> KvStores.open("raft://::1:9871,::1:9872,::1:9873"));
    assertTrue(e.getMessage().contains("an IPv6 address is written in brackets, e.g. [::1]:9871"),
        e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> MetaServerConfig.parsePeers("n1=::1:9871,n2=[::1]:9872"));
    assertTrue(e.getMessage().contains("e.g. [::1]:9871"), e.getMessage());
  }
}
