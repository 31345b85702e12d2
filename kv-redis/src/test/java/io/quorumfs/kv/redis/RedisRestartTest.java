package io.quorumfs.kv.redis;

import java.time.Duration;
import io.quorumfs.kv.Poll;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.KvUnavailableException;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * kill -9 of redis-server (AOF, fsync always) in the middle of a commit workload, then a restart
 * on the same port and directory: callers get clear KvUnavailableExceptions within the timeout,
 * never hang; the same store instance recovers by itself; every acknowledged commit is there.
 */
final class RedisRestartTest {

  @RegisterExtension
  static final RedisServerExtension REDIS = new RedisServerExtension().persistent()
      .processOnly("kill -9 and restart on the same port and directory");

  private static final long TIMEOUT_MS = 2000;
  private static final long DEADLINE_MS = 60_000;

  @Test
  void killAndRestart_midWorkload_givesClearErrors_thenRecovers_withEveryAcknowledgedCommit() throws Exception {
    String uri = REDIS.uri("restart") + "&timeout=" + TIMEOUT_MS + "ms";
    byte[] counter = Bytes.utf8("counter");
    Map<String, Long> acked = new ConcurrentHashMap<>();
    AtomicLong ackedAdds = new AtomicLong();
    AtomicLong unknownAdds = new AtomicLong();
    AtomicLong slowestFailureMs = new AtomicLong();
    List<String> errors = new CopyOnWriteArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    WatchLog watchLog = new WatchLog();
    try (KvStore store = KvStores.open(uri); Watch watch = store.watch(0, watchLog)) {
      List<Thread> writers = new ArrayList<>();
      for (int t = 0; t < 2; t++) {
        int id = t;
        Thread w = new Thread(() -> {
          for (int i = 0; !stop.get(); i++) {
            String key = "w" + id + "/" + i;
            long t0 = System.nanoTime();
            try {
              CommitResult r = store.commit(Txn.builder().put(Bytes.utf8(key), Bytes.utf8("v" + i)).add(counter, 1)
                  .build());
              acked.put(key, r.revision());
              ackedAdds.incrementAndGet();
            } catch (KvUnavailableException e) {
              unknownAdds.incrementAndGet();
              errors.add(e.getMessage());
              slowestFailureMs.accumulateAndGet((System.nanoTime() - t0) / 1_000_000, Math::max);
              pace();
            }
          }
        }, "writer-" + t);
        w.start();
        writers.add(w);
      }
      awaitTrue(() -> acked.size() >= 300, "300 acknowledged commits before the kill");

      REDIS.kill();
      int ackedAtKill = acked.size();
      awaitTrue(() -> errors.size() >= 20, "writers getting errors while redis-server is down");
      long t0 = System.nanoTime();
      try {
        store.get(Bytes.utf8("w0/0"));
        fail("a read while redis-server is down must fail");
      } catch (KvUnavailableException e) {
        assertTrue(e.getMessage().contains("127.0.0.1:" + REDIS.port()), e.getMessage());
      }
      assertTrue((System.nanoTime() - t0) / 1_000_000 < TIMEOUT_MS + 3000, "a read while down must not hang");

      REDIS.restart();
      awaitTrue(() -> acked.size() >= ackedAtKill + 300, "300 more acknowledged commits after the restart");
      stop.set(true);
      for (Thread w : writers) {
        w.join(DEADLINE_MS);
        assertFalse(w.isAlive(), w.getName() + " hangs");
      }

      for (String e : errors) {
        assertTrue(e.contains("127.0.0.1:" + REDIS.port()), "error names the server: " + e);
      }
      assertTrue(slowestFailureMs.get() < TIMEOUT_MS + 3000,
          "slowest failing commit took " + slowestFailureMs.get() + " ms; timeout is " + TIMEOUT_MS);
      for (Map.Entry<String, Long> e : acked.entrySet()) {
        Versioned v = store.get(Bytes.utf8(e.getKey()));
        assertTrue(v.exists(), "acknowledged commit of " + e.getKey() + " at " + e.getValue() + " is lost");
        assertEquals(e.getValue(), v.version(), e.getKey());
      }
      long count = Bytes.toLong(store.get(counter).value());
      assertTrue(count >= ackedAdds.get() && count <= ackedAdds.get() + unknownAdds.get(),
          "counter " + count + " must lie in [acked " + ackedAdds + ", acked + unknown " + (ackedAdds.get()
              + unknownAdds.get()) + "]: no acknowledged add lost, none applied twice");
      long maxAcked = acked.values().stream().mapToLong(Long::longValue).max().orElseThrow();
      assertTrue(store.revision() >= maxAcked);

      long last = store.commit(Txn.builder().put(Bytes.utf8("final"), Bytes.utf8("x")).build()).revision();
      awaitTrue(() -> watchLog.last() >= last, "the watch to follow the restarted server up to " + last);
      assertTrue(watchLog.inOrder, "watch revisions strictly increase across the restart");
    }
  }

  private static void pace() {
    try {
      Thread.sleep(20); // workload pacing while the server is down, not synchronisation
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void awaitTrue(BooleanSupplier cond, String what) {
    Poll.until(Duration.ofMillis(DEADLINE_MS), what, cond);
  }


  private static final class WatchLog implements WatchListener {
    private volatile long last;
    volatile boolean inOrder = true;

    @Override
    public void onEvent(ChangeEvent event) {
      if (event.revision() <= last) {
        inOrder = false;
      }
      last = event.revision();
    }

    @Override
    public void onResync(long revision) {
      last = revision;
    }

    long last() {
      return last;
    }
  }
}
