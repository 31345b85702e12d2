package io.quorumfs.blob;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BlobIdTest {

  private static final String ABC_SHA256 = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

  @Test
  void of_isTheSha256_andHexRoundTrips() {
    BlobId id = BlobId.of("abc".getBytes(StandardCharsets.US_ASCII));
    assertEquals(ABC_SHA256, id.hex());
    assertEquals(ABC_SHA256, id.toString());
    assertEquals(id, BlobId.parse(ABC_SHA256));
    assertEquals(id, BlobId.parse(ABC_SHA256.toUpperCase()));
    assertEquals(id.hashCode(), BlobId.parse(ABC_SHA256).hashCode());
    assertTrue(id.matches("abc".getBytes(StandardCharsets.US_ASCII)));
    assertFalse(id.matches("abd".getBytes(StandardCharsets.US_ASCII)));
  }

  @Test
  void warmUpInBackground_startsOneThreadPerJvm_andHashingStaysCorrect() throws Exception {
    BlobId.warmUpInBackground();
    BlobId.warmUpInBackground();
    long warmers = Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().equals("quorumfs-sha256-warmup")).count();
    assertTrue(warmers <= 1, "warm-up threads: " + warmers);
    BlobId.warmUp(); // also in this thread: the digest state of one thread must not leak into ids
    assertEquals(ABC_SHA256, BlobId.of("abc".getBytes(StandardCharsets.US_ASCII)).hex());
  }

  @Test
  void parse_ofWrongLength_namesTheInputAndTheExpectedLength() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlobId.parse("abc123"));
    assertTrue(e.getMessage().contains("'abc123'") && e.getMessage().contains("64"), e.getMessage());
  }

  @Test
  void parse_ofNonHex_namesTheCharacterAndPosition() {
    String bad = ABC_SHA256.substring(0, 10) + "g" + ABC_SHA256.substring(11);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlobId.parse(bad));
    assertTrue(e.getMessage().contains("'g' at position 10"), e.getMessage());
    assertFalse(BlobId.isValid(bad));
    assertTrue(BlobId.isValid(ABC_SHA256));
  }

  @Test
  void hashBytes_areCopied_andLengthChecked() {
    byte[] h = BlobId.parse(ABC_SHA256).hash();
    BlobId id = new BlobId(h);
    h[0] ^= 1;
    assertNotEquals(new BlobId(h), id);
    assertThrows(IllegalArgumentException.class, () -> new BlobId(new byte[31]));
  }

  @Test
  void order_isUnsignedByHash() {
    BlobId low = BlobId.parse("00" + ABC_SHA256.substring(2));
    BlobId high = BlobId.parse("ff" + ABC_SHA256.substring(2));
    assertTrue(low.compareTo(high) < 0);
  }
}
