package io.quorumfs.bench.fs;

import io.quorumfs.fs.FileSystem;
import io.quorumfs.fs.FileSystems;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.fs.FsException;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;

/**
 * Fills one directory of an existing file system with empty files through fs-core (no FUSE), as
 * fast as a directory delegation allows: the set-up for listing a directory of a million entries
 * through a mount ({@code ls -f}). The directory is made under the root if missing; names are
 * {@code f0000000} upwards, and a rerun with a larger {@code --entries} adds the missing ones.
 *
 * <pre>
 * java -cp ... io.quorumfs.bench.fs.DirFill --store raft://h:p,h:p,h:p --dir big --entries 1000000
 * </pre>
 */
public final class DirFill {

  private DirFill() {}

  public static void main(String[] args) throws Exception {
    String uri = null;
    String dir = "big";
    int entries = 1_000_000;
    int from = 0;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--store" -> uri = args[++i];
        case "--dir" -> dir = args[++i];
        case "--entries" -> entries = Integer.parseInt(args[++i]);
        case "--from" -> from = Integer.parseInt(args[++i]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]
            + " (known: --store URI --dir NAME --entries N --from K)");
      }
    }
    if (uri == null) {
      throw new IllegalArgumentException("--store URI is required (the metadata URI of the file system)");
    }
    FsConfig config = FsConfig.builder().delegations(true).formatIfEmpty(false).build();
    try (KvStore store = KvStores.open(uri)) {
      FileSystem fs = FileSystems.open(store, config);
      try {
        long d;
        try {
          d = fs.lookup(FileSystem.ROOT, dir).ino();
        } catch (FsException e) {
          d = fs.mkdir(FileSystem.ROOT, dir, 0755, 0, 0).ino();
        }
        long t0 = System.nanoTime();
        long last = t0;
        int made = 0;
        for (int i = from; i < entries; i++) {
          try {
            fs.mknod(d, String.format("f%07d", i), 0100644, 0, 0, 0);
            made++;
          } catch (FsException e) {
            if (e.errno() != io.quorumfs.fs.Errno.EEXIST) {
              throw e;
            }
          }
          if ((i + 1) % 50_000 == 0) {
            fs.syncfs();
            long now = System.nanoTime();
            System.out.printf("%,d entries (%,.0f/s over the last 50,000)%n", i + 1, 50_000 / ((now - last) / 1e9));
            last = now;
          }
        }
        fs.syncfs();
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("made %,d entries in %s in %.0f s (%,.0f/s); the directory holds %,d%n", made, dir, s,
            made / s, entries);
      } finally {
        fs.close();
      }
    }
    System.exit(0);
  }
}
