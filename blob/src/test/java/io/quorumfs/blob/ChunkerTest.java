package io.quorumfs.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ChunkerTest {

  private static byte[] random(long seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void chunks_respectMinAndMax_andConcatenateToTheInput() {
    Chunker c = Chunker.of(4096, 16384, 65536);
    byte[] data = random(1, 3_000_000);
    List<byte[]> chunks = c.split(data);
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    for (int i = 0; i < chunks.size(); i++) {
      int n = chunks.get(i).length;
      assertTrue(n <= 65536, "chunk " + i + " of " + n + " bytes is over max");
      if (i < chunks.size() - 1) {
        assertTrue(n >= 4096, "chunk " + i + " of " + n + " bytes is under min");
      }
      all.writeBytes(chunks.get(i));
    }
    assertArrayEquals(data, all.toByteArray());
    double avg = (double) data.length / chunks.size();
    assertTrue(avg > 8192 && avg < 32768, "average chunk " + avg + " far from 16 KiB");
  }

  @Test
  void zeros_areCutAtMax() {
    Chunker c = Chunker.of(1024, 4096, 8192);
    List<Integer> lengths = c.lengths(new byte[8192 * 3 + 5]);
    assertEquals(List.of(8192, 8192, 8192, 5), lengths);
  }

  @Test
  void streaming_givesTheSameChunksAsSplittingInMemory_forAnyWriteSizes() throws IOException {
    Chunker c = Chunker.of(2048, 8192, 32768);
    byte[] data = random(2, 1_000_000);
    List<Integer> expected = c.lengths(data);

    List<Integer> viaInput = new ArrayList<>();
    long n = c.split(new ByteArrayInputStream(data), ch -> viaInput.add(ch.length));
    assertEquals(data.length, n);
    assertEquals(expected, viaInput);

    List<Integer> viaStream = new ArrayList<>();
    Random r = new Random(3);
    try (Chunker.Stream s = c.stream(ch -> viaStream.add(ch.length))) {
      int off = 0;
      while (off < data.length) {
        int len = Math.min(data.length - off, r.nextInt(100_000));
        s.write(data, off, len);
        off += len;
      }
    }
    assertEquals(expected, viaStream);
  }

  @Test
  void emptyInput_hasNoChunks() throws IOException {
    assertEquals(List.of(), Chunker.defaults().split(new byte[0]));
    List<byte[]> out = new ArrayList<>();
    Chunker.defaults().split(new ByteArrayInputStream(new byte[0]), out::add);
    assertEquals(0, out.size());
  }

  @Test
  void badSizes_areRefusedNamingThem() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Chunker.of(1000, 500, 4000));
    assertTrue(e.getMessage().contains("min 1000"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Chunker.of(10, 100, 1000));
    assertThrows(IllegalArgumentException.class, () -> Chunker.of(1024, 4096, 2048));
  }

  @Test
  void defaults_are256KiB_1MiB_4MiB() {
    Chunker c = Chunker.defaults();
    assertEquals(256 * 1024, c.min());
    assertEquals(1024 * 1024, c.avg());
    assertEquals(4 * 1024 * 1024, c.max());
  }

  /** DESIGN §5: an edit re-uploads only the chunks it touched. */
  @Test
  void oneByteInsertedAtTheFront_of64MiB_keepsAtLeast95PercentOfChunks() throws IOException {
    byte[] data = random(4, 64 * 1024 * 1024);
    Set<BlobId> before = new HashSet<>();
    List<BlobId> beforeList = new ArrayList<>();
    Chunker.defaults().split(new ByteArrayInputStream(data), ch -> beforeList.add(BlobId.of(ch)));
    before.addAll(beforeList);

    List<BlobId> after = new ArrayList<>();
    try (Chunker.Stream s = Chunker.defaults().stream(ch -> after.add(BlobId.of(ch)))) {
      s.write(0x5A);
      s.write(data, 0, data.length);
    }
    long shared = after.stream().filter(before::contains).count();
    double fraction = (double) shared / beforeList.size();
    assertTrue(beforeList.size() >= 32, "expected about 64 chunks, got " + beforeList.size());
    assertTrue(fraction >= 0.95, "only " + shared + " of " + beforeList.size() + " chunks shared");
  }
}
