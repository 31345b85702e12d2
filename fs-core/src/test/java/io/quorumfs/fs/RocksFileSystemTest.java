package io.quorumfs.fs;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.rocks.RocksKvStore;
import io.quorumfs.kv.rocks.RocksOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/** {@link FileSystemContract} on {@code rocks://} (one embedded RocksDB for the class). */
class RocksFileSystemTest extends FileSystemContract {
  private static Path dir;
  private static KvStore rocks;

  @BeforeAll
  static void openStore() throws IOException {
    dir = Files.createTempDirectory("quorumfs-fs-rocks");
    rocks = RocksKvStore.open(dir, RocksOptions.defaults());
  }

  @Override
  protected KvStore store() {
    return rocks;
  }

  @AfterAll
  static void closeStore() throws IOException {
    rocks.close();
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
