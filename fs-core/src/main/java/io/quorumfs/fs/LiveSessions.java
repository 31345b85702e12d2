package io.quorumfs.fs;

import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Versioned;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The client sessions a file system's metadata holds (one per mounted or open {@link FileSystem},
 * kept alive by heartbeats): what {@code quorumfs status} shows as connected clients. Read-only.
 */
public final class LiveSessions {

  private LiveSessions() {}

  /**
   * One session.
   *
   * @param host the client's host name and process id ("host/pid")
   * @param deadline when it expires unless its client heartbeats again
   */
  public record Session(long id, String host, Instant started, Instant deadline) {

    /** Whether its deadline has not passed at {@code now} (an expired one awaits clean-up). */
    public boolean live(Instant now) {
      return !deadline.isBefore(now);
    }
  }

  /**
   * Every session recorded in {@code meta}, expired ones included, in id order.
   *
   * @throws FsException EIO if the store cannot be scanned
   */
  public static List<Session> list(KvStore meta, FsConfig config) {
    Keys k = new Keys(config.keyPrefix());
    List<Session> out = new ArrayList<>();
    byte[] after = null;
    try {
      while (true) {
        ScanPage p = meta.scan(k.allSessions(), 1000, after);
        for (Versioned v : p.entries()) {
          if (k.kindOfSessionKey(v.key()) == Keys.SESSION_INFO && v.value().length >= 16) {
            ByteBuffer b = ByteBuffer.wrap(v.value());
            long deadline = b.getLong();
            long started = b.getLong();
            int at = Sessions.hostAt(v.value());
            String host = new String(v.value(), at, v.value().length - at, StandardCharsets.UTF_8);
            out.add(new Session(k.sidOfSessionKey(v.key()), host, Instant.ofEpochSecond(0, started),
                Instant.ofEpochSecond(0, deadline)));
          }
        }
        if (!p.more() || p.entries().isEmpty()) {
          return out;
        }
        after = p.next();
      }
    } catch (KvException e) {
      throw new FsException(Errno.EIO, "scan of the sessions: " + e.getMessage(), e);
    }
  }
}
