package io.quorumfs.bench.fs;

import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import java.util.Arrays;

/**
 * Directory delegations on fs-core directly (no FUSE), two clients of one {@code raft://} store
 * in this JVM: creates/s in one directory with delegations on and off (alternated rounds), and
 * the recall latency: client B's first lookup in a directory where client A (holding its
 * delegation) has just created files, p50/p99/max.
 *
 * <pre>
 * java -cp ... io.quorumfs.bench.fs.DelegationBench --store raft://h:p,h:p,h:p --creates 2000 --rounds 3 --dirs 50
 * </pre>
 */
public final class DelegationBench {

  private DelegationBench() {}

  public static void main(String[] args) throws Exception {
    String uri = null;
    int creates = 2000;
    int rounds = 3;
    int dirs = 50;
    int files = 20;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--store": uri = args[++i]; break;
        case "--creates": creates = Integer.parseInt(args[++i]); break;
        case "--rounds": rounds = Integer.parseInt(args[++i]); break;
        case "--dirs": dirs = Integer.parseInt(args[++i]); break;
        case "--files": files = Integer.parseInt(args[++i]); break;
        default: throw new IllegalArgumentException("unknown option " + args[i]
            + " (known: --store URI --creates N --rounds R --dirs D --files F)");
      }
    }
    if (uri == null) {
      throw new IllegalArgumentException("--store URI is required (raft://...)");
    }
    String prefix = "db" + Long.toString(System.currentTimeMillis(), 36) + "/";
    FsConfig base = FsConfig.builder().keyPrefix(prefix).build();
    try (KvStore store = KvStores.open(uri)) {
      FileSystem off = FileSystems.open(store, base);
      FileSystem on = FileSystems.open(store, base.toBuilder().delegations(true).build());
      FileSystem b = FileSystems.open(store, base);
      try {
        long root = FileSystem.ROOT;
        for (int r = 0; r < rounds; r++) {
          for (boolean deleg : new boolean[] {false, true}) {
            FileSystem c = deleg ? on : off;
            long d = c.mkdir(root, "c" + r + (deleg ? "on" : "off"), 0755, 0, 0).ino();
            long t0 = System.nanoTime();
            for (int i = 0; i < creates; i++) {
              c.mknod(d, "f" + i, 0644, 0, 0, 0);
            }
            c.syncfs();
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.printf("creates delegations=%-5s round %d: %,.0f/s (%d in %.2f s, syncfs included)%n",
                deleg, r, creates / s, creates, s);
          }
        }
        double[] ms = new double[dirs];
        for (int i = 0; i < dirs; i++) {
          long d = on.mkdir(root, "r" + i, 0755, 0, 0).ino();
          for (int f = 0; f < files; f++) {
            on.mknod(d, "f" + f, 0644, 0, 0, 0);
          }
          long t0 = System.nanoTime();
          b.lookup(d, "f" + (files - 1));
          ms[i] = (System.nanoTime() - t0) / 1e6;
        }
        Arrays.sort(ms);
        System.out.printf("recall (B's first lookup after A's %d creates), %d dirs: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
            files, dirs, ms[dirs / 2], ms[Math.min(dirs - 1, (int) Math.ceil(dirs * 0.99) - 1)], ms[dirs - 1]);
      } finally {
        b.close();
        on.close();
        off.close();
      }
    }
    System.exit(0);
  }
}
