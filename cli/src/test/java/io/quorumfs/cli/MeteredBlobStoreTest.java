package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.codahale.metrics.MetricRegistry;
import io.quorumfs.blob.BlobId;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.BlobStores;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MeteredBlobStoreTest {

  @TempDir
  Path dir;

  @Test
  void countsBytesAndTimesOperations_onARealDirectoryStore() {
    MetricRegistry r = new MetricRegistry();
    try (BlobStore b = new MeteredBlobStore(BlobStores.open("file://" + dir), r)) {
      byte[] data = new byte[10_000];
      data[7] = 7;
      BlobId id = b.put(data);
      assertArrayEquals(data, b.get(id));
      assertEquals(100, b.get(id, 0, 100).length);
      assertEquals(0, b.missing(List.of(id)).size());
      assertEquals(1, b.list(null, 10).blobs().size());
      byte[] more = new byte[5_000];
      b.putHashed(BlobId.of(more), more); // passed on as putHashed: the store does not hash again
      assertArrayEquals(more, b.get(BlobId.of(more)));
    }
    assertEquals(15_000, r.meter("blob.bytes.in").getCount());
    assertEquals(15_100, r.meter("blob.bytes.out").getCount());
    assertEquals(2, r.timer("blob.put").getCount());
    assertEquals(3, r.timer("blob.get").getCount());
    assertEquals(1, r.timer("blob.missing").getCount());
    assertEquals(1, r.timer("blob.list").getCount());
  }
}
