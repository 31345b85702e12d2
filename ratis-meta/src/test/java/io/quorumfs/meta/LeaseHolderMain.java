package io.quorumfs.meta;

import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A lease holder in its own JVM (LeaseProcessTest stops it with SIGSTOP). Args: the raft:// URI.
 * Prints {@code READY} once its feed is coherent; then for each stdin line {@code check REV}
 * (REV acknowledged to a committer before the line was sent) answers {@code OK coherent=B seen=S}
 * or {@code VIOLATION ...} if it claimed coherence without having REV.
 */
public final class LeaseHolderMain {
  private LeaseHolderMain() {}

  public static void main(String[] args) throws Exception {
    AtomicLong seen = new AtomicLong();
    try (KvStore store = KvStores.open(args[0])) {
      Watch w = store.watch(store.revision(), new WatchListener() {
        @Override
        public void onEvent(ChangeEvent event) {
          seen.accumulateAndGet(event.revision(), Math::max);
        }

        @Override
        public void onResync(long revision) {
          seen.accumulateAndGet(revision, Math::max);
        }
      });
      try {
        io.quorumfs.kv.Poll.until(java.time.Duration.ofSeconds(60), "a lease", w::coherent);
      } catch (AssertionError e) {
        System.out.println("NO-LEASE");
        return;
      }
      System.out.println("READY");
      System.out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      for (String line; (line = in.readLine()) != null; ) {
        if (line.startsWith("check ")) {
          long rev = Long.parseLong(line.substring(6).trim());
          boolean coherent = w.coherent(); // first: then what it promises is already in seen
          long s = seen.get();
          System.out.println((coherent && s < rev ? "VIOLATION" : "OK") + " coherent=" + coherent + " seen=" + s);
          System.out.flush();
        }
      }
      w.close();
    }
  }
}
