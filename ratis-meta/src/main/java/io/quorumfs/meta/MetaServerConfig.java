package io.quorumfs.meta;

import io.quorumfs.kv.HostPort;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;

/**
 * Everything one metadata replica needs, immutable; build with {@link #builder()}. Defaults suit a
 * small machine (2 cores shared with clients): election timeouts of seconds, not milliseconds.
 * Every knob and its default is listed in docs/meta.md.
 */
public final class MetaServerConfig {

  private final String id;
  private final Map<String, String> peers;
  private final Path storageDir;
  private final String storeUri;
  private final String group;
  private final Duration rpcTimeoutMin;
  private final Duration rpcTimeoutMax;
  private final Duration requestTimeout;
  private final long snapshotThreshold;
  private final int feedEvents;
  private final long feedBytes;
  private final int logCacheSegments;
  private final long logCacheBytes;
  private final Duration feedLeaderLossBound;
  private final int maxWatchValueBytes;
  private final GroupCommit groupCommit;
  private final Map<String, String> raftProperties;
  private final Tls tls;
  private final boolean allowTestReset;
  private final java.util.function.LongSupplier leaseClock;

  private MetaServerConfig(Builder b) {
    tls = b.tls;
    allowTestReset = b.allowTestReset;
    leaseClock = b.leaseClock;
    id = b.id;
    peers = Collections.unmodifiableMap(new LinkedHashMap<>(b.peers));
    storageDir = b.storageDir.toAbsolutePath();
    storeUri = b.storeUri != null ? b.storeUri : "rocks://" + storageDir.resolve("kv").toUri().getPath();
    group = b.group;
    rpcTimeoutMin = b.rpcTimeoutMin;
    rpcTimeoutMax = b.rpcTimeoutMax;
    requestTimeout = b.requestTimeout;
    snapshotThreshold = b.snapshotThreshold;
    feedEvents = b.feedEvents;
    feedBytes = b.feedBytes;
    logCacheSegments = b.logCacheSegments;
    logCacheBytes = b.logCacheBytes;
    feedLeaderLossBound = b.feedLeaderLossBound;
    maxWatchValueBytes = b.maxWatchValueBytes;
    groupCommit = b.groupCommit;
    raftProperties = Collections.unmodifiableMap(new LinkedHashMap<>(b.raftProperties));
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder().id(id).storageDir(storageDir).storeUri(storeUri).group(group)
        .rpcTimeoutMin(rpcTimeoutMin).rpcTimeoutMax(rpcTimeoutMax).requestTimeout(requestTimeout)
        .snapshotThreshold(snapshotThreshold).feedEvents(feedEvents).feedBytes(feedBytes)
        .logCache(logCacheSegments, logCacheBytes)
        .feedLeaderLossBound(feedLeaderLossBound).maxWatchValueBytes(maxWatchValueBytes).groupCommit(groupCommit);
    b.peers.putAll(peers);
    b.raftProperties.putAll(raftProperties);
    b.tls = tls;
    b.allowTestReset = allowTestReset;
    b.leaseClock = leaseClock;
    return b;
  }

  /** This replica's id, e.g. {@code n1}. */
  public String id() {
    return id;
  }

  /** Every replica of the group, id to {@code host:port}, in the order given. */
  public Map<String, String> peers() {
    return peers;
  }

  public String address() {
    return peers.get(id);
  }

  /** Raft storage: log, metadata and snapshots (never defaulted to /tmp). */
  public Path storageDir() {
    return storageDir;
  }

  /** The replica's own data: {@code rocks:///dir} (default {@code <storageDir>/kv}) or {@code mem:}. */
  public String storeUri() {
    return storeUri;
  }

  /** The raft group name (default {@code meta}); the group id is derived from it. */
  public String group() {
    return group;
  }

  /** The Raft group id derived from {@link #group()}: one name, one id, on every replica and client. */
  public UUID groupUuid() {
    return groupUuid(group);
  }

  static UUID groupUuid(String group) {
    return UUID.nameUUIDFromBytes(("quorumfs-raft-group:" + group).getBytes(StandardCharsets.UTF_8));
  }

  public Duration rpcTimeoutMin() {
    return rpcTimeoutMin;
  }

  public Duration rpcTimeoutMax() {
    return rpcTimeoutMax;
  }

  public Duration requestTimeout() {
    return requestTimeout;
  }

  /** Log entries applied between automatic snapshots (after which the log is purged). */
  public long snapshotThreshold() {
    return snapshotThreshold;
  }

  /** Most changes the replica's feed history (ring) keeps. Default 100,000. */
  public int feedEvents() {
    return feedEvents;
  }

  /**
   * Heap the replica's feed history may hold: keys, values and per-change overhead. Older changes
   * are dropped first; a subscriber behind them is told to resync. Default 16 MiB.
   */
  public long feedBytes() {
    return feedBytes;
  }

  /** Closed Raft log segments whose entries the replica keeps in memory. Default 2. */
  public int logCacheSegments() {
    return logCacheSegments;
  }

  /** Bytes of Raft log entries the replica keeps in memory (its log segment cache). Default 32 MiB. */
  public long logCacheBytes() {
    return logCacheBytes;
  }

  /** How long a replica may be without a leader (or a follower quorum) and still serve the feed. */
  public Duration feedLeaderLossBound() {
    return feedLeaderLossBound;
  }

  /**
   * Leader-side group commit (the Commit RPC): a batch closes at {@code maxTxns} txns or
   * {@code maxBytes}, or when nothing more arrives within {@code lingerMicros} while
   * {@code inflight} earlier batches are still outstanding (a lone committer never waits); a
   * client not heard from for {@code sessionIdle} (leader-stamped entry time) is dropped from the
   * dedupe table.
   */
  public record GroupCommit(int maxTxns, int maxBytes, long lingerMicros, int inflight, Duration sessionIdle) {
    public static final GroupCommit DEFAULTS = new GroupCommit(1024, 4 << 20, 200, 4, Duration.ofMinutes(10));

    public GroupCommit {
      if (maxTxns < 1 || maxTxns > Revisions.MAX_TXNS_PER_ENTRY || maxBytes < 1 || lingerMicros < 0 || inflight < 1
          || sessionIdle.isNegative() || sessionIdle.isZero()) {
        throw new IllegalArgumentException("group commit settings out of range: maxTxns " + maxTxns + " (1.."
            + Revisions.MAX_TXNS_PER_ENTRY + "), maxBytes " + maxBytes + ", lingerMicros " + lingerMicros
            + ", inflight " + inflight + ", sessionIdle " + sessionIdle);
      }
    }

    /**
     * These settings with the ones named in {@code spec} changed: a comma list of
     * {@code maxTxns=N, maxBytes=N, lingerMicros=N, inflight=N, sessionIdleMillis=N}.
     */
    public GroupCommit with(String spec) {
      int txns = maxTxns;
      int bytes = maxBytes;
      long linger = lingerMicros;
      int in = inflight;
      Duration idle = sessionIdle;
      for (String kv : spec.split(",")) {
        if (kv.isBlank()) {
          continue;
        }
        int eq = kv.indexOf('=');
        String k = eq < 0 ? kv.trim() : kv.substring(0, eq).trim();
        long v;
        try {
          v = Long.parseLong(eq < 0 ? "" : kv.substring(eq + 1).trim());
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("group commit setting '" + kv.trim() + "' needs a whole number (key=N)");
        }
        switch (k) {
          case "maxTxns" -> txns = (int) Math.min(Integer.MAX_VALUE, v);
          case "maxBytes" -> bytes = (int) Math.min(Integer.MAX_VALUE, v);
          case "lingerMicros" -> linger = v;
          case "inflight" -> in = (int) Math.min(Integer.MAX_VALUE, v);
          case "sessionIdleMillis" -> idle = Duration.ofMillis(v);
          default -> throw new IllegalArgumentException("unknown group commit setting '" + k
              + "'; known: maxTxns, maxBytes, lingerMicros, inflight, sessionIdleMillis");
        }
      }
      return new GroupCommit(txns, bytes, linger, in, idle);
    }
  }

  public GroupCommit groupCommit() {
    return groupCommit;
  }

  public int maxWatchValueBytes() {
    return maxWatchValueBytes;
  }

  /** Mutual TLS on every channel, or null for plain gRPC (the default, for loopback use). */
  Tls tls() {
    return tls;
  }

  /** Whether the leader accepts the test-only "delete everything" entry (default false). */
  public boolean allowTestReset() {
    return allowTestReset;
  }

  /** The monotonic nanosecond clock the leader times cache leases by ({@code System::nanoTime}). */
  java.util.function.LongSupplier leaseClock() {
    return leaseClock;
  }

  /** Raw {@code raft.*} properties applied last, overriding anything above. */
  public Map<String, String> raftProperties() {
    return raftProperties;
  }

  /**
   * Parses {@code n1=host:port,n2=host:port,...}.
   *
   * @throws IllegalArgumentException naming the entry that is wrong (missing '=', bad port, an id
   *     or an address given twice)
   */
  public static Map<String, String> parsePeers(String spec) {
    Objects.requireNonNull(spec, "peers");
    Map<String, String> out = new LinkedHashMap<>();
    for (String part : spec.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      int eq = p.indexOf('=');
      if (eq <= 0 || eq == p.length() - 1) {
        throw new IllegalArgumentException("peer '" + p + "' in '" + spec + "' is not id=host:port");
      }
      String id = p.substring(0, eq).trim();
      String addr = p.substring(eq + 1).trim();
      checkAddress(addr, p);
      if (out.containsKey(id)) {
        throw new IllegalArgumentException("peer id '" + id + "' appears twice in '" + spec + "'");
      }
      if (out.containsValue(addr)) {
        throw new IllegalArgumentException("address " + addr + " appears twice in '" + spec + "'");
      }
      out.put(id, addr);
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("peer list '" + spec + "' names no peer");
    }
    return out;
  }

  static void checkAddress(String addr, String context) {
    HostPort hp;
    try {
      hp = HostPort.parse(addr);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("address in '" + context + "': " + e.getMessage(), e);
    }
    if (hp.port() < 1) {
      throw new IllegalArgumentException("port of '" + addr + "' in '" + context + "' is not 1..65535");
    }
  }

  static int port(String addr) {
    return HostPort.parse(addr).port();
  }

  /** The host to bind, without brackets for an IPv6 literal. */
  static String host(String addr) {
    return HostPort.parse(addr).host();
  }

  @Override
  public String toString() {
    return "MetaServerConfig[id=" + id + ", peers=" + peers + ", storageDir=" + storageDir
        + ", store=" + storeUri + ", group=" + group + "]";
  }

  /** Builds a {@link MetaServerConfig}. */
  public static final class Builder {
    private String id;
    private final Map<String, String> peers = new LinkedHashMap<>();
    private Path storageDir;
    private String storeUri;
    private String group = "meta";
    private Duration rpcTimeoutMin = Duration.ofMillis(1000);
    private Duration rpcTimeoutMax = Duration.ofMillis(2000);
    private Duration requestTimeout = Duration.ofSeconds(4);
    private long snapshotThreshold = 50_000;
    private int feedEvents = 100_000;
    private long feedBytes = 16L << 20;
    private int logCacheSegments = 2;
    private long logCacheBytes = 32L << 20;
    private Duration feedLeaderLossBound = Duration.ofSeconds(6);
    private int maxWatchValueBytes = 64 * 1024;
    private GroupCommit groupCommit = GroupCommit.DEFAULTS;
    private final Map<String, String> raftProperties = new LinkedHashMap<>();
    private Tls tls;
    private boolean allowTestReset;
    private java.util.function.LongSupplier leaseClock = System::nanoTime;

    private Builder() {}

    /** The clock the leader times cache leases by (tests: a fake one). */
    Builder leaseClock(java.util.function.LongSupplier clock) {
      this.leaseClock = java.util.Objects.requireNonNull(clock, "clock");
      return this;
    }

    /**
     * Lets the leader accept the test-only reset entry that deletes every key and the feed history
     * (one cluster serving many "fresh store" test cases). Never enable it in a deployment.
     */
    public Builder allowTestReset(boolean allow) {
      this.allowTestReset = allow;
      return this;
    }

    /**
     * Mutual TLS between replicas and with clients: PKCS12 {@code keyStore} (this replica's key and
     * certificate) and {@code trustStore} (what it accepts), both opened with {@code password}.
     * Off by default.
     */
    public Builder tls(Path keyStore, Path trustStore, String password) {
      this.tls = new Tls(keyStore, trustStore, password);
      return this;
    }

    public Builder id(String id) {
      this.id = id;
      return this;
    }

    /** Replaces the peer list with {@code n1=host:port,...} ({@link #parsePeers}). */
    public Builder peers(String spec) {
      peers.clear();
      peers.putAll(parsePeers(spec));
      return this;
    }

    public Builder peers(Map<String, String> idToAddress) {
      peers.clear();
      for (Map.Entry<String, String> e : idToAddress.entrySet()) {
        checkAddress(e.getValue(), e.getKey() + "=" + e.getValue());
        if (peers.containsValue(e.getValue())) {
          throw new IllegalArgumentException("address " + e.getValue() + " appears twice in " + idToAddress);
        }
        peers.put(e.getKey(), e.getValue());
      }
      return this;
    }

    public Builder storageDir(Path dir) {
      this.storageDir = dir;
      return this;
    }

    public Builder storeUri(String uri) {
      this.storeUri = uri;
      return this;
    }

    public Builder group(String group) {
      this.group = group;
      return this;
    }

    public Builder rpcTimeoutMin(Duration d) {
      this.rpcTimeoutMin = d;
      return this;
    }

    public Builder rpcTimeoutMax(Duration d) {
      this.rpcTimeoutMax = d;
      return this;
    }

    public Builder requestTimeout(Duration d) {
      this.requestTimeout = d;
      return this;
    }

    public Builder snapshotThreshold(long entries) {
      this.snapshotThreshold = entries;
      return this;
    }

    public Builder feedEvents(int n) {
      this.feedEvents = n;
      return this;
    }

    public Builder feedBytes(long n) {
      this.feedBytes = n;
      return this;
    }

    /**
     * Bounds the Raft log segment cache: {@code segments} closed segments (at least 1) and
     * {@code bytes} of entries, per replica.
     */
    public Builder logCache(int segments, long bytes) {
      if (segments < 1 || bytes < 1) {
        throw new IllegalArgumentException("log cache needs >= 1 segment and >= 1 byte, got "
            + segments + " segments, " + bytes + " bytes");
      }
      this.logCacheSegments = segments;
      this.logCacheBytes = bytes;
      return this;
    }

    public Builder feedLeaderLossBound(Duration d) {
      this.feedLeaderLossBound = d;
      return this;
    }

    /** Leader-side group commit and dedupe-table bounds ({@link GroupCommit#DEFAULTS}). */
    public Builder groupCommit(GroupCommit g) {
      this.groupCommit = Objects.requireNonNull(g, "groupCommit");
      return this;
    }

    public Builder maxWatchValueBytes(int n) {
      this.maxWatchValueBytes = n;
      return this;
    }

    /** Sets a raw Ratis property ({@code raft.server...}), applied after every other knob. */
    public Builder raftProperty(String key, String value) {
      raftProperties.put(key, value);
      return this;
    }

    /**
     * @throws IllegalArgumentException if the id is missing or not in the peer list, the storage
     *     dir is missing, or a timeout is out of order
     */
    public MetaServerConfig build() {
      if (id == null || id.isBlank()) {
        throw new IllegalArgumentException("replica id is required (e.g. n1)");
      }
      if (peers.isEmpty()) {
        throw new IllegalArgumentException("peer list is required (n1=host:port,...)");
      }
      if (!peers.containsKey(id)) {
        throw new IllegalArgumentException("replica id '" + id + "' is not in the peer list " + peers.keySet());
      }
      if (storageDir == null) {
        throw new IllegalArgumentException("storage dir is required (the raft log and snapshots live there)");
      }
      if (group == null || group.isBlank()) {
        throw new IllegalArgumentException("group name must not be empty");
      }
      if (rpcTimeoutMin.compareTo(rpcTimeoutMax) >= 0) {
        throw new IllegalArgumentException("rpc timeout min " + rpcTimeoutMin + " must be below max " + rpcTimeoutMax);
      }
      if (snapshotThreshold < 1 || feedEvents < 1 || feedBytes < 1 || maxWatchValueBytes < 0) {
        throw new IllegalArgumentException("snapshotThreshold, feedEvents and feedBytes must be positive");
      }
      return new MetaServerConfig(this);
    }
  }
}
