package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.s3.S3ProxyServer;
import io.quorumfs.fs.FsConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * {@code bin/quorumfs up --replicas 1 --blob s3://…} against S3Proxy on loopback (objects in files,
 * so a GiB does not sit in this JVM): a 1 GiB file and 10,000 small files written through the
 * kernel read back equal and every chunk is an object named by its hash; after a file is deleted,
 * {@code gc --delete} leaves the bucket holding exactly the chunks of the live files, and
 * {@code fsck --read-data} (every byte read back from S3 and hashed) is clean. About 4-6 minutes
 * on 2 busy cores.
 */
class UpS3ScaleIT {
  private static final Duration PATIENCE = Duration.ofSeconds(600);
  private static final int CHUNK = FsConfig.defaults().chunkSize();
  private static final long BIG = 1L << 30;
  private static final int BLOCK = 1 << 20;
  private static final int SMALL_FILES = 10_000;
  private static final String BUCKET = "scale";

  private Path dir;
  private S3ProxyServer s3;
  private Launcher.Started up;
  private final Map<String, String> env = Map.of("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS,
      "AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET);

  @AfterEach
  void cleanUp() throws Exception {
    try {
      Launcher.stopAndDelete(up, dir);
    } finally {
      if (s3 != null) {
        s3.close();
      }
    }
  }

  /** Block {@code i} of the big file: 1 MiB, from its own seed, so it can be made again to compare. */
  private static byte[] block(int i) {
    byte[] b = new byte[BLOCK];
    new Random(1_000_003L * i + 17).nextBytes(b);
    return b;
  }

  private static byte[] small(int i) {
    Random r = new Random(i);
    byte[] b = new byte[1 + r.nextInt(6000)];
    r.nextBytes(b);
    byte[] tag = ("small " + i + "\n").getBytes();
    System.arraycopy(tag, 0, b, 0, Math.min(tag.length, b.length)); // distinct contents, distinct blobs
    return b;
  }

  private static Path smallPath(Path mnt, int i) {
    return mnt.resolve("small").resolve("d" + (i / 100)).resolve("f" + i);
  }

  /** The ids of the chunks of {@code content} (chunk k = bytes [k*CHUNK, (k+1)*CHUNK)). */
  private static List<BlobId> chunks(byte[] content) {
    List<BlobId> ids = new ArrayList<>();
    for (int off = 0; off < content.length; off += CHUNK) {
      ids.add(BlobId.of(Arrays.copyOfRange(content, off, Math.min(content.length, off + CHUNK))));
    }
    return ids;
  }

  private Set<String> bucketKeys() {
    Set<String> keys = new HashSet<>();
    for (var page : s3.raw().listObjectsV2Paginator(b -> b.bucket(BUCKET).prefix("vol/"))) {
      for (S3Object o : page.contents()) {
        keys.add(o.key());
      }
    }
    return keys;
  }

  private static String key(BlobId id) {
    return "vol/" + id.hex().substring(0, 2) + "/" + id.hex();
  }

  @Test
  void up_onS3_aGibFileAndTenThousandFiles_readBackEqual_gcKeepsExactlyTheLiveChunks_fsckClean() throws Exception {
    dir = Files.createTempDirectory("quorumfs-up-s3-scale");
    s3 = S3ProxyServer.onDisk(Files.createDirectories(dir.resolve("s3")), 0);
    s3.createBucket(BUCKET);
    Path mnt = dir.resolve("mnt");
    String blob = "s3://" + BUCKET + "/vol?endpoint=" + s3.endpoint() + "&path-style=true&retries=5&timeout=120";
    up = Launcher.start(dir, "up", env, "up", mnt.toString(), "--data-dir", dir.resolve("data").toString(),
        "--replicas", "1", "--blob", blob);
    assertTrue(Launcher.waitFor(Duration.ofSeconds(300), () -> out().contains("READY") || !up.process().isAlive()),
        "up did not get ready: " + err());
    assertTrue(up.process().isAlive(), "up exited: " + out() + err());

    // 1 GiB through the kernel, chunk ids computed on the way
    Set<BlobId> live = new HashSet<>();
    byte[] carry = new byte[0];
    try (OutputStream o = Files.newOutputStream(mnt.resolve("big.bin"))) {
      for (int i = 0; i < BIG / BLOCK; i++) {
        byte[] b = block(i);
        o.write(b);
        byte[] joined = concat(carry, b);
        int whole = joined.length / CHUNK * CHUNK;
        live.addAll(chunks(Arrays.copyOf(joined, whole)));
        carry = Arrays.copyOfRange(joined, whole, joined.length);
      }
    }
    live.addAll(chunks(carry));
    assertEquals(BIG, Files.size(mnt.resolve("big.bin")));
    try (InputStream in = Files.newInputStream(mnt.resolve("big.bin"))) {
      for (int i = 0; i < BIG / BLOCK; i++) {
        assertArrayEquals(block(i), in.readNBytes(BLOCK), "block " + i + " of big.bin");
      }
      assertEquals(-1, in.read());
    }

    // 10,000 small files in 100 directories, written and read back by 8 threads
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int d = 0; d < SMALL_FILES / 100; d++) {
        Files.createDirectories(mnt.resolve("small").resolve("d" + d));
      }
      List<Future<?>> work = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        int first = t;
        work.add(pool.submit(() -> {
          for (int i = first; i < SMALL_FILES; i += 8) {
            Files.write(smallPath(mnt, i), small(i));
          }
          return null;
        }));
      }
      for (Future<?> f : work) {
        f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      }
      work.clear();
      for (int t = 0; t < 8; t++) {
        int first = t;
        work.add(pool.submit(() -> {
          for (int i = first; i < SMALL_FILES; i += 8) {
            assertArrayEquals(small(i), Files.readAllBytes(smallPath(mnt, i)), "small file " + i);
          }
          return null;
        }));
      }
      for (Future<?> f : work) {
        f.get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    for (int i = 0; i < SMALL_FILES; i++) {
      live.add(BlobId.of(small(i)));
    }

    // a deleted file: its chunks become garbage
    byte[] gone = new byte[5 * CHUNK + 12_345];
    new Random(99).nextBytes(gone);
    Files.write(mnt.resolve("gone.bin"), gone);
    Set<String> before = bucketKeys();
    for (BlobId id : live) {
      assertTrue(before.contains(key(id)), "chunk " + id + " of a live file is an object in the bucket");
    }
    for (BlobId id : chunks(gone)) {
      assertTrue(before.contains(key(id)), "chunk " + id + " of gone.bin is an object in the bucket");
    }
    Files.delete(mnt.resolve("gone.bin"));
    Set<String> liveKeys = new HashSet<>();
    live.forEach(id -> liveKeys.add(key(id)));
    Set<String> garbage = new HashSet<>(before);
    garbage.removeAll(liveKeys);
    assertTrue(garbage.size() >= 6, "gone.bin's 6 chunks at least: " + garbage.size());

    // gone.bin's chunks are unreferenced once its inode is reclaimed (asynchronously): gc until then
    Pattern deleted = Pattern.compile("deleted (\\d+) blobs");
    List<String> reports = new ArrayList<>();
    int[] total = {0};
    assertTrue(Launcher.waitFor(PATIENCE, () -> {
      Launcher.Result gc = run("gc", "--delete", "--grace-seconds", "0");
      reports.add(gc.code() + " " + gc.out());
      Matcher m = deleted.matcher(gc.out());
      if (gc.code() == 0 && m.find()) {
        total[0] += Integer.parseInt(m.group(1));
      }
      return total[0] >= garbage.size();
    }), "gc never deleted the " + garbage.size() + " unreferenced blobs: " + reports);
    assertEquals(garbage.size(), total[0], "gc deleted exactly the unreferenced blobs: " + reports);
    assertEquals(liveKeys, bucketKeys(), "after gc the bucket holds exactly the live files' chunks");

    Launcher.Result fsck = run("fsck", "--read-data");
    assertEquals(0, fsck.code(), "fsck: " + fsck.out() + fsck.err());
    assertTrue(fsck.out().contains("read back " + (SMALL_FILES + 1) + " files")
        && fsck.out().contains("fsck: clean"), fsck.out());
  }

  private Launcher.Result run(String... args) {
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--data-dir", dir.resolve("data").toString()));
    try {
      return Launcher.run(PATIENCE, env, all.toArray(String[]::new));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private String out() {
    try {
      return up.stdout();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private String err() {
    try {
      return up.stderr();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
