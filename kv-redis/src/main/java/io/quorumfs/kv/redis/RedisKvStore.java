package io.quorumfs.kv.redis;

import io.lettuce.core.KeyValue;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.ByteArrayCodec;
import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.Capability;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.Compare;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvClosedException;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvLimitException;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.Op;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code redis://} and {@code rediss://}: a {@link KvStore} in one Redis database, under a key
 * prefix. Commits run as one Lua script (compares, writes, revision, change stream, all atomic);
 * scans walk a sorted set of the raw keys by ZRANGEBYLEX (memcmp order, the SPI's unsigned order);
 * {@code watch} reads the change stream with blocking XREADs on its own connection. The key layout
 * is in {@link RedisKeys}; the design is in docs/kv-redis.md.
 *
 * <p>Capabilities: {@link Capability#PERSISTENT} (data lives in the server; durable as far as the
 * server's own persistence settings go), {@link Capability#WATCH_HISTORY} (the stream keeps about
 * {@code history} commits), {@link Capability#CONFIGURABLE_HISTORY} ({@code ?history=N}),
 * {@link Capability#LARGE_VALUES} (up to {@code maxValue}, 256 MiB by default) and
 * {@link Capability#SHARED}. Not {@link Capability#IDEMPOTENT_COMMIT}: a commit whose reply was
 * lost (timeout, server killed) may or may not have applied, and the client cannot tell. A command
 * that Lettuce replays after a reconnect is not applied twice: the script remembers each txn's id
 * for twice the command timeout plus 5 s, longer than Lettuce keeps a command for replay.
 *
 * <p>Thread-safe: every thread shares one pipelined connection; each watch has its own.
 */
final class RedisKvStore implements KvStore {
  private static final Logger LOG = LoggerFactory.getLogger(RedisKvStore.class);

  /** At most this many entries per scan page (a larger limit returns a partial page, more=true). */
  static final int PAGE_CAP = 10_000;
  /** A scan page stops early after this many value bytes (at least one entry is returned). */
  static final int PAGE_BYTES = 8 << 20;
  /** Compares plus ops per txn: keeps one script well under Redis's busy-script threshold. */
  static final int MAX_TXN_SIZE = 100_000;
  /** Bytes of keys and values per txn, below Redis's 1 GB client query buffer. */
  static final long MAX_TXN_BYTES = 512L << 20;

  /** A history shorter than this is trimmed exactly (MAXLEN =), longer ones approximately (~). */
  static final long EXACT_TRIM_BELOW = 10_000;

  private static final byte[] EMPTY = new byte[0];
  private static final byte[] P = {'P'};
  private static final byte[] D = {'D'};
  private static final byte[] A = {'A'};
  private static final byte[] M = {'M'};

  private final RedisConfig cfg;
  private final RedisKeys keys;
  private final RedisClient client;
  private final StatefulRedisConnection<byte[], byte[]> conn;
  private final RedisCommands<byte[], byte[]> redis;
  private final byte[][] commitKeys;
  private final byte[] historyArg;
  private final byte[] trimArg;
  private final byte[] dedupeMillisArg;
  private final byte[] maxWatchArg;
  private final Set<RedisWatch> watches = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private RedisKvStore(RedisConfig cfg, RedisClient client, StatefulRedisConnection<byte[], byte[]> conn) {
    this.cfg = cfg;
    this.keys = new RedisKeys(cfg.prefix());
    this.client = client;
    this.conn = conn;
    this.redis = conn.sync();
    this.commitKeys = new byte[][] {keys.rev, keys.idx, keys.log};
    this.historyArg = num(cfg.history());
    // Approximate trimming drops whole stream nodes (100 entries) and is cheap; a small history
    // is trimmed exactly so it really is bounded.
    this.trimArg = cfg.history() < EXACT_TRIM_BELOW ? new byte[] {'='} : new byte[] {'~'};
    // Lettuce replays a command only while it has not timed out, so the txn id must outlive that.
    this.dedupeMillisArg = num(2 * cfg.timeout().toMillis() + 5000);
    this.maxWatchArg = num(maxWatchValueBytes());
  }

  /** Connects, authenticates and loads the scripts; fails fast with a clear error. */
  static RedisKvStore open(RedisConfig cfg) {
    RedisClient client = RedisClients.create(cfg);
    StatefulRedisConnection<byte[], byte[]> conn;
    try {
      conn = connect(client);
    } catch (RuntimeException e) {
      client.shutdownAsync(0, 1, java.util.concurrent.TimeUnit.SECONDS);
      throw RedisErrors.map(cfg, "connect", e);
    }
    RedisKvStore store = new RedisKvStore(cfg, client, conn);
    try {
      RedisScript.COMMIT.load(store.redis);
      RedisScript.SCAN.load(store.redis);
      RedisScript.HEAD.load(store.redis);
    } catch (RuntimeException e) {
      store.close();
      throw RedisErrors.map(cfg, "SCRIPT LOAD", e);
    }
    LOG.info("opened {}", cfg.display());
    return store;
  }

  /**
   * Connects. When the server rejects the handshake (wrong password) and closes the channel quickly,
   * Lettuce 6.5 sometimes reports "RedisHandshakeHandler not registered" instead of the server's
   * error; a second attempt then reports the real cause, so that one case is retried.
   */
  private static StatefulRedisConnection<byte[], byte[]> connect(RedisClient client) {
    for (int attempt = 1; ; attempt++) {
      try {
        return client.connect(ByteArrayCodec.INSTANCE);
      } catch (RuntimeException e) {
        if (attempt >= 3 || !RedisErrors.rootMessage(e).contains("HandshakeHandler not registered")) {
          throw e;
        }
      }
    }
  }

  RedisConfig config() {
    return cfg;
  }

  RedisKeys keys() {
    return keys;
  }

  RedisClient client() {
    return client;
  }

  @Override
  public Versioned get(byte[] key) {
    checkKey(key);
    byte[] raw = call("GET", r -> r.get(keys.data(key)));
    return decode(key, raw);
  }

  @Override
  public List<Versioned> getAll(List<byte[]> keyList) {
    if (keyList.isEmpty()) {
      checkOpen();
      return List.of();
    }
    byte[][] rk = new byte[keyList.size()][];
    for (int i = 0; i < rk.length; i++) {
      byte[] k = keyList.get(i);
      checkKey(k);
      rk[i] = keys.data(k);
    }
    List<KeyValue<byte[], byte[]>> got = call("MGET", r -> r.mget(rk));
    List<Versioned> out = new ArrayList<>(rk.length);
    for (int i = 0; i < rk.length; i++) {
      KeyValue<byte[], byte[]> kv = got.get(i);
      out.add(decode(keyList.get(i), kv.hasValue() ? kv.getValue() : null));
    }
    return out;
  }

  @Override
  public ScanPage scan(KeyRange range, int limit, byte[] after) {
    Objects.requireNonNull(range, "range");
    if (limit <= 0) {
      throw new IllegalArgumentException("scan limit must be > 0, got " + limit);
    }
    byte[] min;
    if (after != null && Bytes.compare(after, range.start()) >= 0) {
      min = concat((byte) '(', after);
    } else if (range.start().length == 0) {
      min = new byte[] {'-'};
    } else {
      min = concat((byte) '[', range.start());
    }
    byte[] max = range.end() == null ? new byte[] {'+'} : concat((byte) '(', range.end());
    int page = Math.min(limit, PAGE_CAP);
    List<Object> reply = call("scan", r -> RedisScript.SCAN.run(r, new byte[][] {keys.idx},
        keys.dataPrefix, min, max, num(page), num(PAGE_BYTES)));
    boolean more = ((Long) reply.get(0)) != 0;
    List<?> flat = (List<?>) reply.get(1);
    List<Versioned> out = new ArrayList<>(flat.size() / 2);
    for (int i = 0; i < flat.size(); i += 2) {
      byte[] k = (byte[]) flat.get(i);
      out.add(decode(k, (byte[]) flat.get(i + 1)));
    }
    return new ScanPage(out, more);
  }

  @Override
  public CommitResult commit(Txn txn) {
    Objects.requireNonNull(txn, "txn");
    checkOpen();
    if (txn.size() > MAX_TXN_SIZE) {
      throw new KvLimitException("txn of " + txn.size() + " compares and ops exceeds the redis backend limit of "
          + MAX_TXN_SIZE);
    }
    byte[] txId = new byte[16];
    ThreadLocalRandom.current().nextBytes(txId);
    byte[][] args = commitArgs(txn, txId);
    List<Compare> compares = txn.compares();
    List<Op> ops = txn.ops();
    List<Object> reply = call("commit", r -> RedisScript.COMMIT.run(r, commitKeys, args));
    long code = (Long) reply.get(0);
    if (code == 1) {
      byte[] packed = (byte[]) reply.get(1);
      List<Long> results = new ArrayList<>(ops.size());
      for (int i = 0; i < ops.size(); i++) {
        results.add(readLong(packed, 8 + 8 * i));
      }
      return CommitResult.ok(readLong(packed, 0), results);
    }
    if (code == 0) {
      List<Compare> failed = new ArrayList<>();
      for (Object i : (List<?>) reply.get(1)) {
        failed.add(compares.get(((Long) i).intValue()));
      }
      return CommitResult.conflict(failed);
    }
    int i = ((Long) reply.get(1)).intValue();
    throw new IllegalArgumentException("op " + i + " (" + ops.get(i).getClass().getSimpleName() + ") on key "
        + Bytes.show(ops.get(i).key()) + " needs an 8-byte counter, but the key holds " + reply.get(2) + " bytes");
  }

  /** The ARGV of commit.lua for {@code txn} under the txn id {@code txId} (see the script's header). */
  byte[][] commitArgs(Txn txn, byte[] txId) {
    List<Compare> compares = txn.compares();
    List<Op> ops = txn.ops();
    byte[][] args = new byte[8 + 2 * compares.size() + 3 * ops.size()][];
    args[0] = keys.dataPrefix;
    args[1] = keys.tx(txId);
    args[2] = historyArg;
    args[3] = maxWatchArg;
    args[4] = num(compares.size());
    args[5] = num(ops.size());
    args[6] = trimArg;
    args[7] = dedupeMillisArg;
    int a = 8;
    long bytes = 0;
    for (Compare c : compares) {
      args[a++] = c.key();
      args[a++] = c.version() == 0 ? EMPTY : Bytes.ofLong(c.version());
      bytes += c.key().length + 8;
    }
    for (Op op : ops) {
      byte[] arg;
      byte[] type;
      if (op instanceof Op.Put p) {
        type = P;
        arg = p.value();
        if (arg.length > cfg.maxValueBytes()) {
          throw new KvLimitException("value of " + arg.length + " bytes for key " + Bytes.show(p.key())
              + " exceeds the redis backend limit of " + cfg.maxValueBytes() + " bytes (parameter maxValue)");
        }
      } else if (op instanceof Op.Delete) {
        type = D;
        arg = EMPTY;
      } else if (op instanceof Op.Add add) {
        type = A;
        arg = Bytes.ofLong(add.delta());
      } else {
        type = M;
        arg = Bytes.ofLong(((Op.Max) op).value());
      }
      args[a++] = type;
      args[a++] = op.key();
      args[a++] = arg;
      bytes += op.key().length + arg.length;
    }
    if (bytes > MAX_TXN_BYTES) {
      throw new KvLimitException("txn of " + bytes + " bytes of keys and values exceeds the redis backend limit of "
          + MAX_TXN_BYTES + " bytes");
    }
    return args;
  }

  byte[][] commitKeys() {
    return commitKeys;
  }

  @Override
  public long revision() {
    byte[] v = call("GET revision", r -> r.get(keys.rev));
    return v == null ? 0 : Long.parseLong(new String(v, StandardCharsets.US_ASCII));
  }

  @Override
  public Watch watch(long fromRevision, WatchListener listener) {
    if (fromRevision < 0) {
      throw new IllegalArgumentException("fromRevision must be >= 0, got " + fromRevision);
    }
    Objects.requireNonNull(listener, "listener");
    checkOpen();
    StatefulRedisConnection<byte[], byte[]> wc;
    try {
      wc = connect(client);
    } catch (RuntimeException e) {
      throw RedisErrors.map(cfg, "connect for watch", e);
    }
    RedisWatch w = new RedisWatch(this, wc, fromRevision, listener);
    watches.add(w);
    w.start();
    return w;
  }

  void forget(RedisWatch w) {
    watches.remove(w);
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.PERSISTENT, Capability.WATCH_HISTORY, Capability.CONFIGURABLE_HISTORY,
        Capability.LARGE_VALUES, Capability.SHARED);
  }

  @Override
  public int maxTxnSize() {
    return MAX_TXN_SIZE;
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (RedisWatch w : List.copyOf(watches)) {
      w.close();
    }
    try {
      conn.close();
    } catch (RuntimeException e) {
      LOG.debug("closing connection to {}", cfg.address(), e);
    }
    client.shutdownAsync(0, 2, java.util.concurrent.TimeUnit.SECONDS);
    LOG.debug("closed {}", cfg.display());
  }

  boolean isClosed() {
    return closed;
  }

  @Override
  public String toString() {
    return cfg.display();
  }

  /** Runs one Redis call, mapping its failures once. */
  private <T> T call(String op, Function<RedisCommands<byte[], byte[]>, T> f) {
    checkOpen();
    try {
      return f.apply(redis);
    } catch (RuntimeException e) {
      if (closed) {
        throw new KvClosedException(cfg.display() + " is closed");
      }
      if (e instanceof KvException || e instanceof IllegalArgumentException) {
        throw e;
      }
      throw RedisErrors.map(cfg, op, e);
    }
  }

  void checkOpen() {
    if (closed) {
      throw new KvClosedException(cfg.display() + " is closed");
    }
  }

  static void checkKey(byte[] key) {
    Objects.requireNonNull(key, "key");
    if (key.length == 0) {
      throw new IllegalArgumentException("key must not be empty");
    }
    if (key.length > MAX_KEY_BYTES) {
      throw new IllegalArgumentException("key of " + key.length + " bytes exceeds the limit of " + MAX_KEY_BYTES
          + ": " + Bytes.show(key));
    }
  }

  private static Versioned decode(byte[] key, byte[] raw) {
    if (raw == null) {
      return Versioned.absent(key);
    }
    if (raw.length < 8) {
      throw new KvException("redis value of key " + Bytes.show(key) + " is " + raw.length
          + " bytes, shorter than its 8-byte version: not written by quorumfs?");
    }
    return new Versioned(key, java.util.Arrays.copyOfRange(raw, 8, raw.length), readLong(raw, 0));
  }

  static long readLong(byte[] b, int at) {
    long v = 0;
    for (int i = at; i < at + 8; i++) {
      v = (v << 8) | (b[i] & 0xFF);
    }
    return v;
  }

  static byte[] num(long n) {
    return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] concat(byte first, byte[] rest) {
    byte[] out = new byte[rest.length + 1];
    out[0] = first;
    System.arraycopy(rest, 0, out, 1, rest.length);
    return out;
  }
}
