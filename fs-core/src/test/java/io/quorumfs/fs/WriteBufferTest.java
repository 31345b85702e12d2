package io.quorumfs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
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

  @Test
  void drainUploaded_stopsAtTheFirstUploadStillRunning_soNoCommitSkipsAChunk() {
    int chunk = 4096;
    WriteBuffer b = new WriteBuffer(chunk);
    byte[] src = new byte[6 * chunk];
    new Random(5).nextBytes(src);
    b.write(100, src, 100, 6 * chunk - 100); // chunk 0 partial (an append from mid-chunk), 1-5 full
    for (long i = 1; i <= 5; i++) {
      WriteBuffer.Dirty d = b.chunk(i);
      d.sealed = d.data;
      d.upload = new CompletableFuture<>();
    }
    b.chunk(1).upload.complete(null);
    b.chunk(2).upload.completeExceptionally(new IllegalStateException("no space")); // done: its commit stores it again
    b.chunk(4).upload.complete(null); // finished before chunk 3: must wait for it

    assertEquals(Set.of(0L, 1L, 2L), b.drainUploaded().keySet());
    assertEquals(6L * chunk, b.pendingEnd());
    assertTrue(b.drainUploaded().isEmpty(), "chunk 3 is still uploading");
    b.chunk(3).upload.complete(null);
    assertEquals(Set.of(3L, 4L), b.drainUploaded().keySet());
    assertEquals(Set.of(5L), b.drain().keySet());
  }
}
