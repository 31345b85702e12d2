package io.quorumfs.blob;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class DirBlobStoreTest extends BlobStoreContract {
  @TempDir
  Path dir;

  @Override
  protected BlobStore open(FakeClock clock) throws Exception {
    return DirBlobStore.open(Files.createDirectories(dir.resolve("blobs")), clock, REFRESH);
  }
}
