package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.Txn;
import io.quorumfs.meta.MetaStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code quorumfs meta add-peer} and {@code remove-peer} on three in-process replicas: a fourth
 * joins and catches up, the first leaves; commits keep working and status shows the membership.
 */
class MembershipTest {

  @TempDir
  Path dir;

  private final Map<String, Parts.Running> running = new LinkedHashMap<>();

  @AfterEach
  void stop() {
    List<Parts.Running> all = new ArrayList<>(running.values());
    for (int i = all.size() - 1; i >= 0; i--) {
      all.get(i).close();
    }
  }

  private void start(String id, List<Parts.Peer> peers) {
    running.put(id, Parts.startMeta(new Parts.MetaSpec(id, "meta", peers, "mem:",
        dir.resolve(id), Optional.empty())));
  }

  private static long commit(String uri, String key) {
    try (KvStore s = KvStores.open(uri)) {
      return s.commit(Txn.builder().put(key.getBytes(StandardCharsets.UTF_8),
          "v".getBytes(StandardCharsets.UTF_8)).build()).revision();
    }
  }

  @Test
  void addFourth_removeFirst_commitsKeepWorking_andStatusShowsTheMembership() throws Exception {
    List<Parts.Peer> peers = new ArrayList<>();
    for (String id : List.of("n1", "n2", "n3", "n4")) {
      peers.add(new Parts.Peer(id, "127.0.0.1", Endpoints.freePort()));
    }
    List<Parts.Peer> first3 = peers.subList(0, 3);
    for (Parts.Peer p : first3) {
      start(p.id(), first3);
    }
    String uri3 = Parts.raftUri(first3, "meta");
    Parts.awaitLeader(uri3, Duration.ofSeconds(90));
    commit(uri3, "before");

    // the fourth starts with the new peer list and waits to be added
    start("n4", peers);
    HelpTest.Result add = HelpTest.run("meta", "add-peer", "n4=" + peers.get(3).address(),
        "--meta", uri3, "--timeout", "10");
    assertEquals(0, add.code(), add.out() + add.err());
    assertTrue(add.out().contains("members now n1=" + peers.get(0).address()), add.out());
    assertTrue(add.out().contains("n4=" + peers.get(3).address()), add.out());
    long afterAdd = commit(uri3, "after-add");

    // status asks the new member too though the URI does not name it, and it catches up
    assertTrue(Launcher.waitFor(Duration.ofSeconds(60), () -> {
      HelpTest.Result st = HelpTest.run("status", "--json", "--meta", uri3);
      if (st.code() != 0) {
        return false;
      }
      JsonNode j = json(st.out());
      int members = 0;
      for (JsonNode r : j.get("replicas")) {
        members += r.get("member").asBoolean() ? 1 : 0;
      }
      return j.get("members").path("n4").asText().equals(peers.get(3).address()) && members == 4;
    }), HelpTest.run("status", "--meta", uri3).out());
    assertTrue(Launcher.waitFor(Duration.ofSeconds(60), () -> MetaStatus.query(uri3 + ","
        + peers.get(3).address(), Duration.ofSeconds(3)).replicas().stream()
        .anyMatch(r -> r.id().equals("n4") && r.appliedIndex() > 0 && r.revision() >= afterAdd)),
        "n4 did not catch up");

    // remove the first (whatever its role); the others keep committing
    HelpTest.Result remove = HelpTest.run("meta", "remove-peer", "n1", "--meta", uri3);
    assertEquals(0, remove.code(), remove.out() + remove.err());
    assertTrue(remove.out().contains("members now n2="), remove.out());
    assertTrue(!remove.out().contains("n1="), remove.out());
    String uri234 = Parts.raftUri(peers.subList(1, 4), "meta");
    assertTrue(Launcher.waitFor(Duration.ofSeconds(60), () -> {
      try {
        return commit(uri234, "after-remove") > afterAdd;
      } catch (RuntimeException e) {
        return false; // a new leader is being elected when the old one left
      }
    }), "no commit after removing n1");
    HelpTest.Result st = HelpTest.run("status", "--meta", uri234);
    assertEquals(0, st.code(), st.out() + st.err());
    assertTrue(st.out().contains("members n2=" + peers.get(1).address() + ",n3="
        + peers.get(2).address() + ",n4=" + peers.get(3).address()), st.out());

    HelpTest.Result bad = HelpTest.run("meta", "remove-peer", "n9", "--meta", uri234);
    assertEquals(ExitCode.USAGE, bad.code(), bad.out() + bad.err());
    assertTrue(bad.err().contains("replica n9 is not a member of group 'meta'"), bad.err());
  }

  private static JsonNode json(String text) {
    try {
      return new ObjectMapper().readTree(text);
    } catch (java.io.IOException e) {
      throw new AssertionError("status --json printed no JSON: " + text, e);
    }
  }
}
