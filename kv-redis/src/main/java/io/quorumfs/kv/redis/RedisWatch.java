package io.quorumfs.kv.redis;

import io.lettuce.core.StreamMessage;
import io.lettuce.core.XReadArgs;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.quorumfs.kv.Change;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvUnavailableException;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One watch subscription: a daemon thread reading the change stream from a cursor with blocking
 * XREADs on its own connection. Revisions in Redis are contiguous (INCR per commit, one stream entry
 * each), so a gap between the cursor and the next entry means the stream was trimmed past the
 * cursor: the listener gets onResync(current revision). A current revision below the cursor means
 * the server lost data (restart without persistence, FLUSHDB): also onResync. While the server is
 * unreachable the thread retries with backoff; the subscription survives a restart.
 */
final class RedisWatch implements Watch, Runnable {
  private static final Logger LOG = LoggerFactory.getLogger(RedisWatch.class);
  private static final int BATCH = 512;

  private final RedisKvStore store;
  private final StatefulRedisConnection<byte[], byte[]> conn;
  private final RedisCommands<byte[], byte[]> redis;
  private final WatchListener listener;
  private final long blockMillis;
  private final Object sleeper = new Object();
  private final Thread thread;
  private long cursor;
  private long progressSent;
  private volatile boolean stopped;
  private final java.util.concurrent.atomic.AtomicBoolean connClosed = new java.util.concurrent.atomic.AtomicBoolean();

  RedisWatch(RedisKvStore store, StatefulRedisConnection<byte[], byte[]> conn, long from, WatchListener listener) {
    this.store = store;
    this.conn = conn;
    this.redis = conn.sync();
    this.listener = listener;
    this.cursor = from;
    this.progressSent = from;
    this.blockMillis = Math.max(1, Math.min(1000, store.config().timeout().toMillis() / 2));
    this.thread = new Thread(this, "redis-watch-" + store.config().prefix());
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  @Override
  public void run() {
    Throwable cause = null;
    long backoff = 50;
    boolean failing = false;
    boolean needHead = true;
    try {
      while (!stopped) {
        try {
          if (needHead) {
            checkHead();
            needHead = false;
          }
          pollOnce();
          if (failing) {
            LOG.info("watch on {} reconnected at revision {}", store.config().address(), cursor);
            failing = false;
          }
          backoff = 50;
        } catch (KvUnavailableException e) {
          if (stopped) {
            break;
          }
          if (!failing) {
            LOG.warn("watch on {} lost the server, retrying: {}", store.config().address(), e.getMessage());
            failing = true;
          }
          needHead = true;
          pause(backoff);
          backoff = Math.min(backoff * 2, 1000);
        }
      }
    } catch (RuntimeException | Error e) {
      if (!stopped) {
        cause = e;
      }
    } finally {
      store.forget(this);
      closeConnection();
      listener.onClose(cause);
    }
  }

  /** One blocking read and its delivery. */
  @SuppressWarnings("unchecked") // xread's generic varargs of one StreamOffset
  private void pollOnce() {
    List<StreamMessage<byte[], byte[]>> msgs = call("XREAD", r -> r.xread(
        XReadArgs.Builder.block(blockMillis).count(BATCH),
        XReadArgs.StreamOffset.from(store.keys().log, cursor + "-0")));
    if (stopped) {
      return;
    }
    if (msgs == null || msgs.isEmpty()) {
      checkHead(); // idle: notice trimming past us or a server that lost data
      sendProgress();
      return;
    }
    for (StreamMessage<byte[], byte[]> m : msgs) {
      if (stopped) {
        return;
      }
      long rev = revisionOf(m.getId());
      if (rev != cursor + 1) {
        checkHead();
        return;
      }
      ChangeEvent e = decode(rev, m.getBody().values().iterator().next());
      listener.onEvent(e);
      cursor = rev;
    }
    if (msgs.size() < BATCH) {
      sendProgress();
    }
  }

  private void sendProgress() {
    if (cursor > progressSent && !stopped) {
      progressSent = cursor;
      listener.onProgress(cursor);
    }
  }

  /** Compares the cursor with the server's revision and the stream's first entry; resyncs if needed. */
  private void checkHead() {
    List<Object> head = call("watch head", r -> RedisScript.HEAD.run(r,
        new byte[][] {store.keys().rev, store.keys().log}));
    long rev = Long.parseLong(new String((byte[]) head.get(0), StandardCharsets.US_ASCII));
    String first = new String((byte[]) head.get(1), StandardCharsets.US_ASCII);
    boolean resync;
    if (rev < cursor) {
      resync = true; // the server lost commits we already delivered
    } else if (rev == cursor) {
      resync = false;
    } else {
      resync = first.isEmpty() || revisionOf(first) > cursor + 1;
    }
    if (resync && !stopped) {
      LOG.info("watch on {} resyncs from {} to {} (stream starts at {})", store.config().address(), cursor, rev,
          first.isEmpty() ? "nothing" : first);
      cursor = rev;
      progressSent = rev;
      listener.onResync(rev);
    }
  }

  private <T> T call(String op, java.util.function.Function<RedisCommands<byte[], byte[]>, T> f) {
    try {
      return f.apply(redis);
    } catch (RuntimeException e) {
      if (e instanceof KvException) {
        throw e;
      }
      KvException k = RedisErrors.map(store.config(), op, e);
      if (stopped) {
        throw new KvUnavailableException("watch closed", e);
      }
      throw k;
    }
  }

  private void pause(long millis) {
    synchronized (sleeper) {
      long end = System.nanoTime() + millis * 1_000_000;
      long left;
      while (!stopped && (left = end - System.nanoTime()) > 0) {
        try {
          sleeper.wait(Math.max(1, left / 1_000_000));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          stopped = true;
        }
      }
    }
  }

  static long revisionOf(String streamId) {
    int dash = streamId.indexOf('-');
    return Long.parseLong(dash < 0 ? streamId : streamId.substring(0, dash));
  }

  /** Decodes the change list the commit script wrote (see commit.lua). */
  static ChangeEvent decode(long rev, byte[] c) {
    List<Change> out = new ArrayList<>();
    int at = 0;
    while (at < c.length) {
      byte type = c[at++];
      int kl = readInt(c, at);
      at += 4;
      byte[] key = Arrays.copyOfRange(c, at, at + kl);
      at += kl;
      if (type == 'P') {
        int vl = readInt(c, at);
        at += 4;
        out.add(new Change(key, Arrays.copyOfRange(c, at, at + vl), rev, false));
        at += vl;
      } else if (type == 'O') {
        out.add(new Change(key, null, rev, true));
      } else if (type == 'D') {
        out.add(new Change(key, null, 0, false));
      } else {
        throw new KvException("corrupt change record in redis stream entry " + rev + " at byte " + (at - 5 - kl));
      }
    }
    return new ChangeEvent(rev, out);
  }

  private static int readInt(byte[] b, int at) {
    return ((b[at] & 0xFF) << 24) | ((b[at + 1] & 0xFF) << 16) | ((b[at + 2] & 0xFF) << 8) | (b[at + 3] & 0xFF);
  }

  private void closeConnection() {
    if (connClosed.compareAndSet(false, true)) {
      conn.closeAsync();
    }
  }

  @Override
  public void close() {
    if (stopped) {
      return;
    }
    stopped = true;
    synchronized (sleeper) {
      sleeper.notifyAll();
    }
    closeConnection(); // fails a blocked XREAD at once
    if (Thread.currentThread() != thread) {
      try {
        thread.join(store.config().timeout().toMillis() + 1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
