package io.quorumfs.kv.rocks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.PairedStore;
import io.quorumfs.kv.Txn;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A child JVM acknowledges writes through a PairedStore whose slow store refuses every copy, is
 * killed with SIGKILL, and a new PairedStore over the same directories must deliver every
 * acknowledged write (puts and deletes) to the slow store.
 */
final class PairedStoreCrashTest {

  private static final int COUNT = 2_000;
  private static final int KILL_AFTER = 400;

  @TempDir
  Path tmp;

  static String key(int i) {
    return String.format("key%05d", i);
  }

  static String value(int i) {
    return "value-" + i;
  }

  static boolean isDelete(int i) {
    return i % 10 == 9;
  }

  @Test
  void acknowledgedWrites_survivesSigkill_andReachTheSlowStoreAfterRestart() throws Exception {
    Path fastDir = tmp.resolve("fast");
    Path slowDir = tmp.resolve("slow");
    try (RocksKvStore slow = RocksKvStore.open(slowDir, RocksOptions.defaults())) {
      for (int i = 9; i < COUNT; i += 10) {
        slow.commit(Txn.builder().put(Bytes.utf8(key(i)), Bytes.utf8("stale")).build());
      }
    }
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process child = new ProcessBuilder(javaBin, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        PairedCrashChild.class.getName(), fastDir.toString(), slowDir.toString(), Integer.toString(COUNT))
        .redirectError(ProcessBuilder.Redirect.appendTo(tmp.resolve("child.err").toFile()))
        .start();
    List<String> acked = new ArrayList<>();
    try (BufferedReader in = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("ACK ")) {
          acked.add(line.substring(4));
          if (acked.size() == KILL_AFTER) {
            // SIGKILL through the handle: Process.destroyForcibly would also close our end of stdout,
            // and the lines the child printed before it died must still be read.
            child.toHandle().destroyForcibly();
          }
        }
      }
    } finally {
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not die");
    }
    assertTrue(acked.size() >= KILL_AFTER, "child acknowledged only " + acked.size() + " writes; stderr in "
        + tmp.resolve("child.err") + ": " + java.nio.file.Files.readString(tmp.resolve("child.err")));
    assertEquals(137, child.exitValue(), "killed by SIGKILL");

    try (RocksKvStore fast = RocksKvStore.open(fastDir, RocksOptions.defaults())) {
      int outbox = fast.scan(KeyRange.prefix(PairedStore.OUTBOX_PREFIX), COUNT + 1, null).entries().size();
      System.out.println("child acknowledged " + acked.size() + " writes before SIGKILL; outbox entries: " + outbox);
      assertTrue(outbox >= acked.size(), "outbox holds " + outbox + " of " + acked.size() + " acknowledged writes");
    }
    try (RocksKvStore slow = RocksKvStore.open(slowDir, RocksOptions.defaults())) {
      assertFalse(slow.get(Bytes.utf8(key(0))).exists(), "nothing was propagated before the kill");
      assertArrayEquals(Bytes.utf8("stale"), slow.get(Bytes.utf8(key(9))).value());
    }

    try (PairedStore paired = new PairedStore(RocksKvStore.open(fastDir, RocksOptions.defaults()),
        RocksKvStore.open(slowDir, RocksOptions.defaults()))) {
      assertTrue(paired.awaitPropagated(Duration.ofSeconds(60)), "outbox did not drain: backlog " + paired.backlog());
    }
    try (RocksKvStore slow = RocksKvStore.open(slowDir, RocksOptions.defaults())) {
      for (String ack : acked) {
        String k = ack.substring(4);
        int i = Integer.parseInt(k.substring(3));
        if (ack.startsWith("DEL ")) {
          assertFalse(slow.get(Bytes.utf8(k)).exists(), "acknowledged delete of " + k + " lost");
        } else {
          assertArrayEquals(Bytes.utf8(value(i)), slow.get(Bytes.utf8(k)).value(), "acknowledged put of " + k + " lost");
        }
      }
    }
  }
}
