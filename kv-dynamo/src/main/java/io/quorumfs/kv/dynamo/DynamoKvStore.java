package io.quorumfs.kv.dynamo;

import io.quorumfs.kv.Capability;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.net.URI;
import java.util.EnumSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArraySet;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.DynamoDbClientBuilder;

/**
 * {@code dynamodb://TABLE?region=R[&endpoint=URL][&create=true][&history=N]} - a {@link KvStore} in
 * one DynamoDB table (AWS SDK v2). The table layout is documented in {@link Schema}; the commit
 * protocol in {@link Committer}. Every read is strongly consistent.
 *
 * <p>Capabilities and why some are missing:
 * <ul>
 *   <li>{@link Capability#PERSISTENT}, {@link Capability#SHARED}: the table outlives the store and
 *       any number of stores may open it (commits serialise through the table's revision
 *       item).</li>
 *   <li>{@link Capability#WATCH_HISTORY}: the change log keeps the last {@code history} revisions
 *       (default 100,000); older ones give RESYNC.</li>
 *   <li>No {@link Capability#LARGE_VALUES}: values over 350,000 bytes are split into parts
 *       written in the same transaction, but a transaction carries at most 4 MB, so the largest
 *       value is 3 MiB ({@link io.quorumfs.kv.KvLimitException} above), not the 4 MiB the capability promises.</li>
 *   <li>No {@link Capability#IDEMPOTENT_COMMIT}: when DynamoDB cannot be reached the SDK's
 *       retries reuse the transaction's client request token, but once they give up the outcome
 *       is unknown to us.</li>
 * </ul>
 *
 * <p>Limits: a txn holds at most 97 compares and ops ({@link #maxTxnSize()}), and its keys plus
 * the parts of split values it writes or replaces stay within 97 items, because
 * TransactWriteItems takes 100 items and each commit adds 3 of its own; a bigger txn is refused
 * whole with {@link io.quorumfs.kv.KvLimitException}, never split (splitting would break
 * atomicity). The items of one txn carry at most 4 MB.
 */
public final class DynamoKvStore implements KvStore {

  private final DynamoConfig config;
  private final DynamoDbClient db;
  private final Calls calls;
  private final Reader reader;
  private final Committer committer;
  private final Set<DynamoWatch> watches = new CopyOnWriteArraySet<>();

  private DynamoKvStore(DynamoConfig config, DynamoDbClient db) {
    this.config = config;
    this.db = db;
    this.calls = new Calls(config);
    this.reader = new Reader(db, config.table(), calls);
    this.committer = new Committer(db, config.table(), calls, reader, config.history(),
        maxWatchValueBytes());
  }

  /**
   * Opens the store named by a {@code dynamodb://} URI; see the class Javadoc.
   *
   * @throws IllegalArgumentException if the URI is malformed (the message names the part)
   * @throws io.quorumfs.kv.KvException if the table is missing and {@code create} is not set, or
   *     has another key schema; {@link io.quorumfs.kv.KvUnavailableException} if DynamoDB cannot
   *     be reached
   */
  public static DynamoKvStore open(URI uri) {
    return open(DynamoConfig.parse(uri));
  }

  static DynamoKvStore open(DynamoConfig config) {
    DynamoDbClient db = client(config);
    try {
      new Tables(db, config).ensure();
      return new DynamoKvStore(config, db);
    } catch (RuntimeException e) {
      db.close();
      throw e;
    }
  }

  private static DynamoDbClient client(DynamoConfig c) {
    DynamoDbClientBuilder b = DynamoDbClient.builder()
        .region(Region.of(c.region()))
        .httpClientBuilder(ApacheHttpClient.builder().maxConnections(c.maxConnections())
            .connectionTimeout(java.time.Duration.ofSeconds(2)))
        .overrideConfiguration(ClientOverrideConfiguration.builder()
            .apiCallTimeout(c.timeout())
            // 4 attempts for I/O errors and throttling (DynamoDB's default of 9 takes ~4 s to
            // report an unreachable endpoint); Calls adds its own backoff for throttling
            .retryStrategy(r -> r.maxAttempts(4)).build())
        .credentialsProvider(c.accessKey() != null
            ? StaticCredentialsProvider.create(AwsBasicCredentials.create(c.accessKey(), c.secretKey()))
            : DefaultCredentialsProvider.create());
    if (c.endpoint() != null) {
      b.endpointOverride(c.endpoint());
    }
    return b.build();
  }

  @Override
  public Versioned get(byte[] key) {
    checkKey(key);
    calls.checkOpen();
    return reader.get(key);
  }

  @Override
  public List<Versioned> getAll(List<byte[]> keys) {
    keys.forEach(DynamoKvStore::checkKey);
    calls.checkOpen();
    return reader.getAll(keys);
  }

  @Override
  public ScanPage scan(KeyRange range, int limit, byte[] after) {
    Objects.requireNonNull(range, "range");
    calls.checkOpen();
    return reader.scan(range, limit, after);
  }

  @Override
  public CommitResult commit(Txn txn) {
    Objects.requireNonNull(txn, "txn");
    calls.checkOpen();
    CommitResult r = committer.commit(txn);
    if (r.ok()) {
      watches.forEach(DynamoWatch::poke);
    }
    return r;
  }

  @Override
  public long revision() {
    calls.checkOpen();
    return reader.revision();
  }

  @Override
  public Watch watch(long fromRevision, WatchListener listener) {
    if (fromRevision < 0) {
      throw new IllegalArgumentException("fromRevision must be >= 0, got " + fromRevision);
    }
    Objects.requireNonNull(listener, "listener");
    calls.checkOpen();
    DynamoWatch w = new DynamoWatch(db, config.table(), calls, reader, fromRevision, listener,
        watches::remove);
    watches.add(w);
    Thread t = new Thread(w, "dynamo-watch-" + config.table());
    t.setDaemon(true);
    t.start();
    return w;
  }

  @Override
  public Set<Capability> capabilities() {
    return EnumSet.of(Capability.PERSISTENT, Capability.SHARED, Capability.WATCH_HISTORY,
        Capability.CONFIGURABLE_HISTORY);
  }

  /** 97: TransactWriteItems takes 100 items and every commit adds 3 of its own. */
  @Override
  public int maxTxnSize() {
    return Committer.MAX_TXN_SIZE;
  }

  /** The URI-derived settings (tests reopen the same table with them). */
  DynamoConfig config() {
    return config;
  }

  @Override
  public void close() {
    calls.close();
    watches.forEach(DynamoWatch::close);
    db.close();
  }

  private static void checkKey(byte[] key) {
    Objects.requireNonNull(key, "key");
    if (key.length == 0) {
      throw new IllegalArgumentException("key must not be empty");
    }
    if (key.length > MAX_KEY_BYTES) {
      throw new IllegalArgumentException("key of " + key.length + " bytes exceeds the limit of "
          + MAX_KEY_BYTES + ": " + io.quorumfs.kv.Bytes.show(key));
    }
  }

  @Override
  public String toString() {
    return "dynamodb://" + config.table();
  }
}
