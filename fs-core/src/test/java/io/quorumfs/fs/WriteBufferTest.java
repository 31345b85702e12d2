package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WriteBufferTest {
  static final int CHUNK = (1 << 20) - 64;
  static final int REQ = 128 * 1024;

  @Test
  void sequentialWrites_growToAWholeChunkPast128KiB_andKeepEveryByte() {
    byte[] src = new byte[CHUNK];
    new Random(3).nextBytes(src);
    WriteBuffer b = new WriteBuffer(CHUNK);
    b.write(0, src, 0, REQ);
    assertEquals(REQ, b.chunk(0).data.length, "a small file keeps a small array");
    b.write(REQ, src, REQ, REQ);
    assertEquals(CHUNK, b.chunk(0).data.length, "the second 128 KiB write allocates the whole chunk once");
    for (int off = 2 * REQ; off < CHUNK; off += REQ) {
      b.write(off, src, off, Math.min(REQ, CHUNK - off));
    }
    WriteBuffer.Dirty d = b.chunk(0);
    assertTrue(d.covers(CHUNK));
    assertArrayEquals(src, d.data);
  }

  @Test
  void smallScatteredWrites_stayInSmallArrays() {
    WriteBuffer b = new WriteBuffer(CHUNK);
    byte[] one = {7};
    b.write(100, one, 0, 1);
    b.write(5000, one, 0, 1);
    WriteBuffer.Dirty d = b.chunk(0);
    assertTrue(d.data.length < 64 * 1024, "array of " + d.data.length + " bytes for 5 KiB of writes");
    byte[] expect = new byte[5001];
    expect[100] = 7;
    expect[5000] = 7;
    assertArrayEquals(expect, Arrays.copyOf(d.data, 5001));
  }
}
