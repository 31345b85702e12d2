package io.quorumfs.kv.rocks;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.GatedKvStore;
import io.quorumfs.kv.PairedStore;
import io.quorumfs.kv.Txn;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;

/**
 * The child JVM of {@link PairedStoreCrashTest}: writes through a PairedStore(rocks fast, rocks slow
 * behind a shut gate) and prints one line per acknowledged write, then waits to be killed.
 * Args: fastDir slowDir count.
 */
public final class PairedCrashChild {

  private PairedCrashChild() {}

  public static void main(String[] args) {
    Path fastDir = Path.of(args[0]);
    Path slowDir = Path.of(args[1]);
    int count = Integer.parseInt(args[2]);
    PrintStream out = System.out;
    RocksKvStore fast = RocksKvStore.open(fastDir, RocksOptions.defaults());
    GatedKvStore slow = new GatedKvStore(RocksKvStore.open(slowDir, RocksOptions.defaults()), false);
    PairedStore paired = new PairedStore(fast, slow,
        new PairedStore.Options(64, Duration.ofMillis(5), Duration.ofMillis(100), Clock.systemUTC()));
    out.println("READY");
    out.flush();
    for (int i = 0; i < count; i++) {
      String key = PairedStoreCrashTest.key(i);
      if (PairedStoreCrashTest.isDelete(i)) {
        paired.commit(Txn.builder().delete(Bytes.utf8(key)).build());
        out.println("ACK DEL " + key);
      } else {
        paired.commit(Txn.builder().put(Bytes.utf8(key), Bytes.utf8(PairedStoreCrashTest.value(i))).build());
        out.println("ACK PUT " + key);
      }
      out.flush();
    }
    out.println("DONE");
    out.flush();
    while (true) {
      LockSupport.park();
    }
  }
}
