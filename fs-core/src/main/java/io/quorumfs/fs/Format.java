package io.quorumfs.fs;

import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Creates the root and the format record of an empty store, or checks an existing one. */
final class Format {
  private static final byte[] MAGIC = "quorumfs".getBytes(StandardCharsets.US_ASCII);
  private static final int LAYOUT = 1;

  private Format() {}

  static void ensure(Meta meta) {
    Keys k = meta.keys;
    try {
      Versioned f = meta.store.get(k.format());
      if (!f.exists()) {
        if (!meta.config.formatIfEmpty()) {
          throw new FsException(Errno.EIO, "no quorumfs file system under prefix '"
              + meta.config.keyPrefix() + "' and formatIfEmpty is off");
        }
        long now = meta.now();
        FsConfig c = meta.config;
        Inode root = new Inode(FileSystem.ROOT, Mode.S_IFDIR | c.rootMode(), 2, c.rootUid(),
            c.rootGid(), 0, 0, now, now, now, FileSystem.ROOT);
        byte[] rec = ByteBuffer.allocate(MAGIC.length + 8).put(MAGIC).putInt(LAYOUT)
            .putInt(c.chunkSize()).array();
        CommitResult r = meta.store.commit(Txn.builder().requireAbsent(k.format())
            .put(k.format(), rec).put(k.attr(FileSystem.ROOT), root.encode())
            .add(k.nextIno(), FileSystem.ROOT).add(k.usedInodes(FileSystem.ROOT), 1).build());
        if (r.ok()) {
          return;
        }
        f = meta.store.get(k.format());
      }
      byte[] v = f.value();
      if (v.length != MAGIC.length + 8 || !Arrays.equals(v, 0, MAGIC.length, MAGIC, 0, MAGIC.length)) {
        throw new FsException(Errno.EIO, "key prefix '" + meta.config.keyPrefix()
            + "' holds something that is not a quorumfs file system");
      }
      ByteBuffer b = ByteBuffer.wrap(v, MAGIC.length, 8);
      int layout = b.getInt();
      int chunk = b.getInt();
      if (layout != LAYOUT) {
        throw new FsException(Errno.EIO, "file system layout " + layout + " is not supported (want "
            + LAYOUT + ")");
      }
      if (chunk != meta.config.chunkSize()) {
        throw new FsException(Errno.EINVAL, "file system was formatted with chunk size " + chunk
            + ", the client is configured with " + meta.config.chunkSize());
      }
    } catch (KvException e) {
      throw new FsException(Errno.EIO, "cannot read the format record: " + e.getMessage(), e);
    }
  }
}
