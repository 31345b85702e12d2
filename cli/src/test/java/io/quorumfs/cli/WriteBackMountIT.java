package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.blob.BlobServer;
import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.DirBlobStore;
import io.quorumfs.blob.s3.S3ProxyServer;
import io.quorumfs.fs.FsConfig;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;

/**
 * Two real FUSE mounts of one volume ({@code quorumfs up --no-mount}, one replica): A with
 * {@code --write-back}, B write-through. Blobs on a blob server in this JVM: what A writes B reads
 * back equal (waiting for the uploads); with the blob server down A keeps acknowledging writes,
 * is stopped with a backlog in its outbox, and once restarted (server back) uploads it all.
 * Blobs on s3:// (S3Proxy): A is SIGKILLed right after its writes and restarted; B reads
 * everything. S3 (objects in files) stops while A writes and restarts on the same port and
 * directory: A's outbox drains and B reads everything; an object damaged in the bucket is EIO to a
 * fresh mount and a problem to fsck. Each ends with {@code fsck --read-data} clean.
 */
class WriteBackMountIT {
  private static final Duration PATIENCE = Duration.ofSeconds(180);

  private Path dir;
  private DirBlobStore backing;
  private BlobServer server;
  private S3ProxyServer s3;
  private final List<Launcher.Started> started = new ArrayList<>();

  @AfterEach
  void cleanUp() throws Exception {
    for (Launcher.Started s : started) {
      if (s.process().isAlive()) {
        Launcher.sigint(s.process().pid());
        if (!s.process().waitFor(60, TimeUnit.SECONDS)) {
          s.process().destroyForcibly();
        }
      }
    }
    if (dir != null) {
      for (String m : List.of("mnt-a", "mnt-b")) {
        if (Launcher.mounted(dir.resolve(m))) {
          new ProcessBuilder("fusermount", "-u", "-z", dir.resolve(m).toString()).start()
              .waitFor(10, TimeUnit.SECONDS);
        }
      }
    }
    if (server != null) {
      server.close();
    }
    if (s3 != null) {
      s3.close();
    }
    if (backing != null) {
      backing.close();
    }
    if (dir != null) {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private Map<String, String> env = Map.of();

  private Launcher.Started start(String name, String... args) throws Exception {
    Launcher.Started s = Launcher.start(dir, name, env, args);
    started.add(s);
    assertTrue(Launcher.waitFor(PATIENCE, () -> out(s).contains("READY") || !s.process().isAlive()),
        name + " did not get ready: " + err(s));
    assertTrue(s.process().isAlive(), name + " exited: " + out(s) + err(s));
    return s;
  }

  private Launcher.Started mountA() throws Exception {
    return start("mount-a-" + started.size(), "mount", dir.resolve("mnt-a").toString(),
        "--data-dir", dir.resolve("data").toString(), "--write-back",
        "--cache-dir", dir.resolve("cache-a").toString());
  }

  private void stop(Launcher.Started s) throws Exception {
    Launcher.sigint(s.process().pid());
    assertTrue(s.process().waitFor(90, TimeUnit.SECONDS), "still running after SIGINT: " + err(s));
  }

  private static String out(Launcher.Started s) {
    try {
      return s.stdout();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String err(Launcher.Started s) {
    try {
      return s.stderr();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Map<String, byte[]> files(String prefix, int n, long seed) {
    Map<String, byte[]> m = new LinkedHashMap<>();
    Random r = new Random(seed);
    for (int i = 0; i < n; i++) {
      byte[] b = new byte[(3 << 20) + r.nextInt(100_000)]; // several 1 MiB chunks and a partial one
      r.nextBytes(b);
      m.put(prefix + i + ".bin", b);
    }
    m.put(prefix + "small.txt", (prefix + " small file\n").getBytes(StandardCharsets.UTF_8));
    return m;
  }

  private static void writeAll(Path mnt, Map<String, byte[]> files) throws IOException {
    for (var e : files.entrySet()) {
      Files.write(mnt.resolve(e.getKey()), e.getValue());
    }
  }

  /** B reads every file back equal; a read may fail (EIO) while a chunk is still uploading. */
  private static void awaitReadBackEqual(Path mnt, Map<String, byte[]> files) throws Exception {
    for (var e : files.entrySet()) {
      Path p = mnt.resolve(e.getKey());
      assertTrue(Launcher.waitFor(PATIENCE, () -> {
        try {
          return Arrays.equals(e.getValue(), Files.readAllBytes(p));
        } catch (IOException ex) {
          return false;
        }
      }), "B never read " + p + " back equal");
      assertArrayEquals(e.getValue(), Files.readAllBytes(p));
    }
  }

  private static long outboxEntries(Path cacheDir) {
    try (KvStore kv = KvStores.open("rocks://" + cacheDir.resolve("write-back").resolve("outbox"))) {
      return kv.scan(KeyRange.prefix("blob-outbox/".getBytes(StandardCharsets.UTF_8)), 100_000, null)
          .entries().size();
    }
  }

  @Test
  void writeBackMount_filesReachTheOtherMount_andABacklogSurvivesARestart() throws Exception {
    dir = Files.createTempDirectory("quorumfs-write-back-it");
    Files.createDirectories(dir.resolve("mnt-a"));
    Files.createDirectories(dir.resolve("mnt-b"));
    backing = DirBlobStore.open(dir.resolve("remote-blobs"));
    server = BlobServer.builder(backing).listen(new InetSocketAddress("127.0.0.1", 0)).start();
    InetSocketAddress at = server.address();
    String blob = "http://127.0.0.1:" + at.getPort() + "?retryFor=2";

    start("up", "up", "--no-mount", "--data-dir", dir.resolve("data").toString(),
        "--replicas", "1", "--blob", blob);
    Launcher.Started a = mountA();
    start("mount-b", "mount", dir.resolve("mnt-b").toString(), "--data-dir",
        dir.resolve("data").toString(), "--cache-dir", dir.resolve("cache-b").toString());
    Path mntA = dir.resolve("mnt-a");
    Path mntB = dir.resolve("mnt-b");

    Map<String, byte[]> first = files("first-", 3, 1);
    writeAll(mntA, first);
    awaitReadBackEqual(mntB, first);

    // The blob server goes down: A still acknowledges writes (into its outbox) and stops with them.
    server.close();
    Map<String, byte[]> second = files("second-", 2, 2);
    writeAll(mntA, second);
    for (var e : second.entrySet()) {
      assertArrayEquals(e.getValue(), Files.readAllBytes(mntA.resolve(e.getKey())), "A reads its own writes");
    }
    stop(a);
    assertTrue(Launcher.waitFor(PATIENCE, () -> !Launcher.mounted(mntA)), "A left its mount behind");
    long backlog = outboxEntries(dir.resolve("cache-a"));
    assertTrue(backlog >= 8, "A stopped with its uploads in the outbox: " + backlog);

    server = BlobServer.builder(backing).listen(at).start();
    Launcher.Started again = mountA();
    awaitReadBackEqual(mntB, second);
    awaitReadBackEqual(mntB, first);
    stop(again);

    Launcher.Result fsck = Launcher.run(PATIENCE, "fsck", "--data-dir", dir.resolve("data").toString(),
        "--read-data");
    assertEquals(0, fsck.code(), "fsck: " + fsck.out() + fsck.err());
    assertTrue(fsck.out().contains("fsck: clean"), fsck.out());
  }

  @Test
  void writeBackMount_onS3_survivesASigkilledClient() throws Exception {
    s3 = new S3ProxyServer();
    s3.createBucket("write-back-it");
    env = Map.of("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS, "AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET);
    dir = Files.createTempDirectory("quorumfs-write-back-s3-it");
    Files.createDirectories(dir.resolve("mnt-a"));
    Files.createDirectories(dir.resolve("mnt-b"));
    String blob = "s3://write-back-it/vol?endpoint=" + s3.endpoint() + "&path-style=true&retries=3&timeout=30";

    start("up", "up", "--no-mount", "--data-dir", dir.resolve("data").toString(),
        "--replicas", "1", "--blob", blob);
    Launcher.Started a = mountA();
    start("mount-b", "mount", dir.resolve("mnt-b").toString(), "--data-dir",
        dir.resolve("data").toString(), "--cache-dir", dir.resolve("cache-b").toString());
    Path mntA = dir.resolve("mnt-a");
    Path mntB = dir.resolve("mnt-b");

    Map<String, byte[]> files = files("s3-", 3, 3);
    writeAll(mntA, files); // each close returned: acknowledged
    a.process().destroyForcibly(); // SIGKILL: the machine dies, its disk survives
    assertTrue(a.process().waitFor(60, TimeUnit.SECONDS));
    new ProcessBuilder("fusermount", "-u", "-z", mntA.toString()).start().waitFor(10, TimeUnit.SECONDS);
    assertTrue(Launcher.waitFor(PATIENCE, () -> !Launcher.mounted(mntA)), "A's mount is gone");

    Launcher.Started again = mountA();
    awaitReadBackEqual(mntB, files);
    stop(again);
    int objects = s3.raw().listObjectsV2(b -> b.bucket("write-back-it").prefix("vol/")).keyCount();
    assertTrue(objects >= 12, "chunks in the bucket: " + objects);

    Launcher.Result fsck = Launcher.run(PATIENCE, env, "fsck", "--data-dir",
        dir.resolve("data").toString(), "--read-data");
    assertEquals(0, fsck.code(), "fsck: " + fsck.out() + fsck.err());
    assertTrue(fsck.out().contains("fsck: clean"), fsck.out());
  }

  @Test
  void writeBackMount_onS3_serverStoppedMidUpload_losesNothing_andACorruptedObjectIsEio() throws Exception {
    dir = Files.createTempDirectory("quorumfs-write-back-s3-stop-it");
    Path objects = Files.createDirectories(dir.resolve("s3"));
    s3 = S3ProxyServer.onDisk(objects, 0);
    int port = s3.port();
    s3.createBucket("stop-it");
    env = Map.of("AWS_ACCESS_KEY_ID", S3ProxyServer.ACCESS, "AWS_SECRET_ACCESS_KEY", S3ProxyServer.SECRET);
    Files.createDirectories(dir.resolve("mnt-a"));
    Files.createDirectories(dir.resolve("mnt-b"));
    String blob = "s3://stop-it/vol?endpoint=" + s3.endpoint() + "&path-style=true&retries=2&timeout=10";

    start("up", "up", "--no-mount", "--data-dir", dir.resolve("data").toString(),
        "--replicas", "1", "--blob", blob);
    Launcher.Started a = mountA();
    start("mount-b", "mount", dir.resolve("mnt-b").toString(), "--data-dir",
        dir.resolve("data").toString(), "--cache-dir", dir.resolve("cache-b").toString());
    Path mntA = dir.resolve("mnt-a");
    Path mntB = dir.resolve("mnt-b");

    // S3 stops while A is writing: the files before and after are acknowledged all the same
    Map<String, byte[]> before = files("before-", 2, 4);
    Map<String, byte[]> after = files("after-", 2, 5);
    writeAll(mntA, before);
    s3.close();
    writeAll(mntA, after);
    for (var e : after.entrySet()) {
      assertArrayEquals(e.getValue(), Files.readAllBytes(mntA.resolve(e.getKey())), "A reads its own writes");
    }

    // back on the same port and directory: A's outbox drains, B reads everything
    s3 = S3ProxyServer.onDisk(objects, port);
    awaitReadBackEqual(mntB, before);
    awaitReadBackEqual(mntB, after);
    stop(a);
    assertTrue(Launcher.waitFor(PATIENCE, () -> !Launcher.mounted(mntA)), "A left its mount behind");
    assertEquals(0, outboxEntries(dir.resolve("cache-a")), "A's outbox drained");
    Launcher.Result fsck = Launcher.run(PATIENCE, env, "fsck", "--data-dir",
        dir.resolve("data").toString(), "--read-data");
    assertEquals(0, fsck.code(), "fsck: " + fsck.out() + fsck.err());
    assertTrue(fsck.out().contains("fsck: clean"), fsck.out());

    // an object damaged in the bucket: B (which never read that file) gets EIO, never the bytes
    Map.Entry<String, byte[]> victim = after.entrySet().iterator().next();
    BlobId chunk = BlobId.of(Arrays.copyOf(victim.getValue(), FsConfig.defaults().chunkSize()));
    String key = "vol/" + chunk.hex().substring(0, 2) + "/" + chunk.hex();
    byte[] damaged = Arrays.copyOf(victim.getValue(), FsConfig.defaults().chunkSize());
    damaged[4321] ^= 1;
    s3.raw().putObject(b -> b.bucket("stop-it").key(key), RequestBody.fromBytes(damaged));
    // a fresh write-through mount where A was: nothing of that file cached anywhere
    Launcher.Started c = start("mount-c", "mount", mntA.toString(), "--data-dir",
        dir.resolve("data").toString(), "--cache-dir", dir.resolve("cache-c").toString());
    IOException eio = assertThrows(IOException.class, () -> Files.readAllBytes(mntA.resolve(victim.getKey())));
    assertTrue(String.valueOf(eio.getMessage()).contains("Input/output error"), String.valueOf(eio));
    stop(c);
    Launcher.Result damagedFsck = Launcher.run(PATIENCE, env, "fsck", "--data-dir",
        dir.resolve("data").toString(), "--read-data");
    assertTrue(damagedFsck.code() != 0 && damagedFsck.out().contains(victim.getKey()),
        "fsck names the damaged file: " + damagedFsck.out() + damagedFsck.err());
  }
}
