package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.cli.metrics.ExpositionValidator;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 8's end-to-end test: the real launcher, bin/quorumfs up, as a new user runs it; files
 * through the mount; status shows 3 replicas and one leader; fsck is clean; the metrics endpoint
 * serves valid exposition text; SIGINT leaves no process and no mount behind.
 */
class UpLauncherIT {

  private Path dir;
  private Launcher.Started up;

  @AfterEach
  void cleanUp() throws Exception {
    Launcher.stopAndDelete(up, dir);
  }

  @Test
  void up_mountsAWorkingFileSystem_statusFsckMetrics_andSigintStopsEverything() throws Exception {
    dir = Files.createTempDirectory("quorumfs-up-it");
    Path mnt = dir.resolve("mnt");
    Path data = dir.resolve("data");
    up = Launcher.start(dir, "up", "up", mnt.toString(), "--data-dir", data.toString(),
        "--metrics-listen", "127.0.0.1:0");
    assertTrue(Launcher.waitFor(Duration.ofSeconds(300), () -> stdout().contains("READY")
        || !up.process().isAlive()), "up did not get ready: " + up.stderr());
    assertTrue(up.process().isAlive(), "up exited: " + up.stdout() + up.stderr());
    assertTrue(Launcher.mounted(mnt), "not in /proc/mounts: " + mnt);
    String banner = up.stdout();
    assertTrue(banner.contains("quorumfs is up") && banner.contains(mnt.toString())
        && banner.contains("raft://127.0.0.1:") && banner.contains("Ctrl-C"), banner);
    List<ProcessHandle> family = Stream.concat(Stream.of(up.process().toHandle()),
        up.process().descendants()).collect(Collectors.toList());

    // files through the mount
    Files.writeString(mnt.resolve("hello.txt"), "hello quorumfs\n");
    Files.createDirectories(mnt.resolve("dir/sub"));
    byte[] big = new byte[5 << 20];
    new Random(8).nextBytes(big);
    Files.write(mnt.resolve("dir/sub/big.bin"), big);
    Files.move(mnt.resolve("hello.txt"), mnt.resolve("dir/hello.txt"));
    Files.createSymbolicLink(mnt.resolve("link"), Path.of("dir/hello.txt"));
    assertEquals("hello quorumfs\n", Files.readString(mnt.resolve("link")));
    assertArrayEquals(big, Files.readAllBytes(mnt.resolve("dir/sub/big.bin")));
    try (Stream<Path> l = Files.list(mnt.resolve("dir"))) {
      assertEquals(List.of("hello.txt", "sub"),
          l.map(p -> p.getFileName().toString()).sorted().toList());
    }

    // status: 3 replicas, exactly one leader
    String dataDir = data.toString();
    Launcher.Result status = Launcher.run(Duration.ofSeconds(120), "status", "--json",
        "--timeout", "15", "--data-dir", dataDir);
    assertEquals(0, status.code(), status.err());
    String json = status.out();
    assertEquals(3, count(json, "\"role\":"), json);
    assertEquals(1, count(json, "\"role\":\"LEADER\""), json);
    assertEquals(2, count(json, "\"role\":\"FOLLOWER\""), json);
    Launcher.Result table = Launcher.run(Duration.ofSeconds(120), "status", "--timeout", "15",
        "--data-dir", dataDir);
    assertEquals(0, table.code(), table.err());
    assertTrue(table.out().contains("REPLICA") && table.out().contains("LEADER"), table.out());

    // fsck: clean, with every byte read back
    Launcher.Result fsck = Launcher.run(Duration.ofSeconds(180), "fsck", "--read-data",
        "--data-dir", dataDir);
    assertEquals(0, fsck.code(), fsck.out() + fsck.err());
    assertTrue(fsck.out().contains("read back 2 files") && fsck.out().contains("fsck: clean"),
        fsck.out());

    // gc: a report (the default), then a deleting run with no grace, never deletes a referenced blob
    Files.write(mnt.resolve("gone.bin"), new byte[300_000]);
    Files.delete(mnt.resolve("gone.bin"));
    Launcher.Result dry = Launcher.run(Duration.ofSeconds(180), "gc", "--grace-seconds", "0",
        "--data-dir", dataDir);
    assertEquals(0, dry.code(), dry.out() + dry.err());
    // gone.bin's chunks are unreferenced only once its inode is reclaimed (asynchronous): the
    // report may still count them as referenced
    assertTrue(dry.out().contains("would delete"), dry.out());
    Launcher.Result gc = Launcher.run(Duration.ofSeconds(180), "gc", "--delete", "--grace-seconds", "0",
        "--data-dir", dataDir);
    assertEquals(0, gc.code(), gc.out() + gc.err());
    assertTrue(gc.out().contains(" referenced") && gc.out().contains("deleted"), gc.out());
    assertArrayEquals(big, Files.readAllBytes(mnt.resolve("dir/sub/big.bin")));
    Launcher.Result fsck2 = Launcher.run(Duration.ofSeconds(180), "fsck", "--data-dir", dataDir);
    assertEquals(0, fsck2.code(), "fsck after gc: " + fsck2.out() + fsck2.err());

    // metrics: valid Prometheus text with file-system figures
    Properties state = new Properties();
    try (var r = Files.newBufferedReader(data.resolve("up.properties"))) {
      state.load(r);
    }
    String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(state.getProperty("metrics.url"))).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    ExpositionValidator v = new ExpositionValidator();
    assertEquals(List.of(), v.validate(body));
    assertTrue(v.samples.keySet().stream().anyMatch(k -> k.startsWith("quorumfs_fs_")), body);
    assertTrue(v.samples.keySet().stream().anyMatch(k -> k.startsWith("quorumfs_ratis_")), body);
    assertTrue(v.samples.keySet().stream().anyMatch(k -> k.startsWith("quorumfs_fuse_op_seconds_count{op=\"write\"}")), body);
    Launcher.Result stats = Launcher.run(Duration.ofSeconds(180), "stats", "--data-dir", dataDir,
        "--count", "1", "--interval", "0.5", "--match", "jvm_threads");
    assertEquals(0, stats.code(), stats.err());
    assertTrue(stats.out().contains("jvm_threads_current"), stats.out());

    // Ctrl-C: unmount, stop, no process left
    Launcher.sigint(up.process().pid());
    assertTrue(up.process().waitFor(90, TimeUnit.SECONDS), "up still running after SIGINT");
    assertTrue(Launcher.waitFor(Duration.ofSeconds(20), () -> !Launcher.mounted(mnt)),
        "mount left behind");
    assertTrue(Launcher.waitFor(Duration.ofSeconds(20),
        () -> family.stream().noneMatch(ProcessHandle::isAlive)), "processes left behind");
    assertTrue(up.stderr().contains("stopped cleanly"), up.stderr());
    Launcher.Result after = Launcher.run(Duration.ofSeconds(180), "status", "--data-dir", dataDir);
    assertEquals(ExitCode.USAGE, after.code(), "status after stop: " + after.out());
    assertFalse(Files.exists(mnt.resolve("dir")), "mount point still shows files");
  }

  private String stdout() {
    try {
      return up.stdout();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int count(String text, String needle) {
    Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(text);
    int n = 0;
    while (m.find()) {
      n++;
    }
    return n;
  }
}
