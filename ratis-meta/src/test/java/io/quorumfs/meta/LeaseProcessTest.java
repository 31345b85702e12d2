package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.Txn;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A lease holder stopped with SIGSTOP for longer than its lease: commits by others go on once the
 * leader sees the lease lapse (they do not hang), and once resumed the holder never claims
 * coherence without the commits acknowledged meanwhile. (The stale window after SIGCONT is short:
 * the events buffered while stopped arrive at once; the expiry arithmetic itself is checked in
 * {@link LeaseTableTest}.)
 */
class LeaseProcessTest {
  @TempDir
  Path dir;

  /** The holder's next answer, skipping any log lines its JVM prints on stdout. */
  private static String answer(BufferedReader out) throws java.io.IOException {
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith("READY") || line.startsWith("NO-LEASE") || line.startsWith("OK")
          || line.startsWith("VIOLATION")) {
        return line;
      }
    }
    return null;
  }

  private static void signal(Process p, String sig) throws Exception {
    Process k = new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start();
    assertEquals(0, k.waitFor(), "kill -" + sig);
  }

  @Test
  void aStoppedHolder_delaysCommitsAboutOneLease_andAfterResumingServesNothingStale() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "mem"); KvStore writer = KvStores.open(c.uri())) {
      c.awaitLeader(Duration.ofSeconds(60));
      List<String> cmd = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
          "-Xmx128m", "-XX:+UseSerialGC", "-cp", System.getProperty("java.class.path"),
          LeaseHolderMain.class.getName(), c.uri()));
      Process holder = new ProcessBuilder(cmd).redirectError(dir.resolve("holder.err").toFile()).start();
      try {
        BufferedReader out = new BufferedReader(new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
        PrintWriter in = new PrintWriter(holder.getOutputStream(), true, StandardCharsets.UTF_8);
        assertEquals("READY", answer(out), "the holder got a lease");

        long before = writer.commit(Txn.builder().put(Bytes.utf8("a"), Bytes.utf8("1")).build()).revision();
        in.println("check " + before);
        String first = answer(out);
        assertTrue(first != null && first.startsWith("OK"), first);

        signal(holder, "STOP");
        long rev;
        try {
          CompletableFuture<Long> commit = CompletableFuture.supplyAsync(
              () -> writer.commit(Txn.builder().put(Bytes.utf8("a"), Bytes.utf8("2")).build()).revision());
          // Returns once the leader saw the stopped holder's lease lapse; the holder's own expiry
          // (counted from when it sent its acknowledgment, less the drift margin) came earlier,
          // so it must not claim coherence from the first instant it runs again.
          rev = commit.get(60, TimeUnit.SECONDS);
        } finally {
          signal(holder, "CONT");
        }
        for (int i = 0; i < 200; i++) { // from the first instant after SIGCONT on
          in.println("check " + rev);
          String a = answer(out);
          assertTrue(a != null && a.startsWith("OK"), "after SIGCONT, check " + i + ": " + a);
        }
        LocalCluster.poll(Duration.ofSeconds(60), "the holder to get a new lease and the commit", () -> {
          in.println("check " + rev);
          try {
            String a = answer(out);
            assertTrue(a != null && a.startsWith("OK"), a);
            return a.contains("coherent=true");
          } catch (java.io.IOException e) {
            throw new AssertionError(e);
          }
        });
      } finally {
        holder.destroy();
        if (!holder.waitFor(30, TimeUnit.SECONDS)) {
          holder.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
      }
    }
  }
}
