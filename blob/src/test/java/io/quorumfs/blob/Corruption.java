package io.quorumfs.blob;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Damages stored blobs on purpose, for corruption tests. */
public final class Corruption {
  private Corruption() {}

  /** Inverts the bits of the byte at {@code offset} of {@code file}, in place. */
  public static void flipByte(Path file, long offset) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, offset);
      b.flip();
      byte x = b.get(0);
      b.put(0, (byte) ~x);
      ch.write(b, offset);
    }
  }
}
