package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * {@code quorumfs up} collects blob garbage by itself: the chunks of a deleted file leave the blob
 * store without anyone running {@code quorumfs gc} (here every second with a 2 s grace, the blob
 * store refreshing stamps older than 1 s), and the chunks of the file kept stay.
 */
class UpGcIT {
  private Path dir;
  private Launcher.Started up;

  @AfterEach
  void cleanUp() throws Exception {
    Launcher.stopAndDelete(up, dir);
  }

  @Test
  void up_deletesTheChunksOfDeletedFiles_withoutQuorumfsGc() throws Exception {
    dir = Files.createTempDirectory("quorumfs-up-gc-it");
    Path mnt = dir.resolve("mnt");
    Path blobs = dir.resolve("blobs");
    up = Launcher.start(dir, "up", Map.of("QUORUMFS_UP_GC_INTERVAL_SECONDS", "1",
        "QUORUMFS_GC_GRACE_SECONDS", "2"), "up", mnt.toString(), "--data-dir", dir.resolve("data").toString(),
        "--blob", "file://" + blobs + "?refresh=1");
    assertTrue(Launcher.waitFor(Duration.ofSeconds(300), () -> out(up).contains("READY")
        || !up.process().isAlive()), "up did not get ready: " + up.stderr());
    assertTrue(up.process().isAlive(), "up exited: " + up.stdout() + up.stderr());

    Random rnd = new Random(17);
    byte[] keep = new byte[(5 << 20) / 2];
    byte[] gone = new byte[(5 << 20) / 2];
    rnd.nextBytes(keep);
    rnd.nextBytes(gone);
    Files.write(mnt.resolve("keep.bin"), keep);
    Files.write(mnt.resolve("gone.bin"), gone);
    assertTrue(blobCount(blobs) >= 6, "both files' chunks (3 each) are stored: " + blobCount(blobs));
    Files.delete(mnt.resolve("gone.bin"));

    assertTrue(Launcher.waitFor(Duration.ofSeconds(180), () -> blobCount(blobs) == 3),
        "the deleted file's chunks are still in the blob store: " + blobCount(blobs) + " blobs");
    assertArrayEquals(keep, Files.readAllBytes(mnt.resolve("keep.bin")));
  }

  /**
   * Blob files in a file:// store (named by their 64-hex id, outside tmp/ and trash/); -1 if a
   * concurrent delete cut the walk short.
   */
  private static long blobCount(Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> p.getFileName().toString().matches("[0-9a-f]{64}")
          && !p.getParent().getFileName().toString().equals("trash")).count();
    } catch (IOException | UncheckedIOException e) {
      return -1;
    }
  }

  private static String out(Launcher.Started s) {
    try {
      return s.stdout();
    } catch (IOException e) {
      return "";
    }
  }
}
