package io.quorumfs.cli.config;

import io.quorumfs.cli.config.ConfigKey.ValueType;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every configuration key quorumfs knows, in documentation order. docs/config.md lists the same
 * keys with the same defaults (ConfigDocsTest checks that).
 */
public final class ConfigKeys {

  private ConfigKeys() {}

  private static final List<String> KV_SCHEMES = List.of("rocks", "mem", "redis", "dynamodb");

  public static final ConfigKey DATA_DIR = key("data-dir", new ValueType.Text("a directory path"),
      "~/.local/share/quorumfs",
      "Where state lives unless a store URI or directory below says otherwise.");
  public static final ConfigKey LOG_LEVEL = key("log.level",
      new ValueType.Choice(List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR")), "INFO",
      "Level of the io.quorumfs loggers (and quorumfs.conn, connection/auth events).");
  public static final ConfigKey LOG_LIBRARIES = key("log.libraries",
      new ValueType.Choice(List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR")), "WARN",
      "Level of third-party loggers (Ratis, gRPC, RocksDB, Netty).");
  public static final ConfigKey METRICS_LISTEN = key("metrics.listen", new ValueType.HostPort(), "",
      "host:port of the Prometheus text endpoint (GET /metrics); unset = no endpoint.");
  public static final ConfigKey METRICS_JMX = key("metrics.jmx", new ValueType.Bool(), "true",
      "Publish every metric as a JMX MBean (domain io.quorumfs).");

  public static final ConfigKey META_ID = key("meta.id", new ValueType.Text("a replica id (letters, digits, -)"),
      "n1", "This replica's id; must appear in meta.peers.");
  public static final ConfigKey META_PEERS = key("meta.peers",
      new ValueType.Text("id=host:port[,id=host:port...]"), "",
      "Every replica of the group, this one included: n1=10.0.0.1:9870,n2=10.0.0.2:9870,...");
  public static final ConfigKey META_GROUP = key("meta.group", new ValueType.Text("a group name"),
      "meta", "Name of the Raft group (one group per volume); clients name it as raft://...?group=NAME.");
  public static final ConfigKey META_STORE = key("meta.store", new ValueType.Uri(KV_SCHEMES), "",
      "The replica's local store; unset = rocks://<data-dir>/meta/<meta.id>/store.");
  public static final ConfigKey META_DIR = key("meta.dir", new ValueType.Text("a directory path"), "",
      "The replica's Raft log and snapshot directory; unset = <data-dir>/meta/<meta.id>/raft.");
  public static final ConfigKey META_URI = key("meta.uri",
      new ValueType.Uri(List.of("raft", "rocks", "mem", "redis", "dynamodb")), "",
      "Metadata store clients use (mount, status, fsck, gc): raft://host:port,host:port,host:port.");

  public static final ConfigKey BLOB_STORE = key("blob.store",
      new ValueType.Uri(List.of("file", "rocks", "mem", "redis", "dynamodb", "raft", "s3")), "",
      "Store the blob server serves; unset = file://<data-dir>/blobs.");
  public static final ConfigKey BLOB_LISTEN = key("blob.listen", new ValueType.HostPort(),
      "127.0.0.1:7480", "Address the blob server (blob start) listens on.");
  public static final ConfigKey BLOB_URI = key("blob.uri",
      new ValueType.Uri(List.of("http", "https", "file", "rocks", "mem", "redis", "dynamodb", "raft", "s3")), "",
      "Blob store clients use: http://blobhost:7480, file:///shared/blobs, redis://..., "
          + "s3://bucket/prefix?endpoint=...&region=...&path-style=true.");

  public static final ConfigKey MOUNT_POINT = key("mount.point", new ValueType.Text("a directory path"),
      "~/quorumfs", "Where up and mount mount the file system.");
  public static final ConfigKey MOUNT_CACHE_DIR = key("mount.cache-dir",
      new ValueType.Text("a directory path"), "",
      "Local chunk cache and write-back outbox; unset = <data-dir>/cache.");
  public static final ConfigKey MOUNT_CACHE_SIZE = key("mount.cache-size", new ValueType.Size(),
      "64MiB", "Bound of the in-heap chunk cache (capped at a quarter of the max heap).");
  public static final ConfigKey MOUNT_WRITE_BACK = key("mount.write-back", new ValueType.Bool(), "false",
      "Acknowledge writes once in the local durable outbox (<cache-dir>/write-back), upload in the "
          + "background; works with every blob store.");
  public static final ConfigKey MOUNT_DISK_CACHE_SIZE = key("mount.disk-cache-size", new ValueType.Size(),
      "4GiB", "Bound of a write-back mount's on-disk chunk cache; blobs not uploaded yet are never "
          + "evicted, so it is exceeded while uploads lag.");
  public static final ConfigKey MOUNT_BLOB_WAIT = key("mount.blob-wait-seconds", new ValueType.Int(0, 86_400),
      "60", "How long a read waits for a chunk the metadata references but the blob store does not "
          + "have yet (another client's write-back upload), then EIO.");
  public static final ConfigKey MOUNT_DELEGATIONS = key("mount.delegations", new ValueType.Bool(), "false",
      "Take directory delegations: uncontested namespace operations in a directory are answered "
          + "locally and committed in batches; fsync/fsyncdir make them durable (docs/fs.md).");
  public static final ConfigKey MOUNT_TABLE = key("mount.table",
      new ValueType.Text("path=subdir[,path=subdir...]"), "",
      "Show subdirectories of the file system at chosen paths; unset = the root at /.");
  public static final ConfigKey MOUNT_ALLOW_OTHER = key("mount.allow-other", new ValueType.Bool(), "true",
      "Mount with allow_other so every local user can use the mount (needs root or "
          + "user_allow_other in /etc/fuse.conf; left at its default, it is off for a user without them).");

  public static final ConfigKey TLS_ENABLED = key("tls.enabled", new ValueType.Bool(), "false",
      "Mutual TLS between replicas, from clients, and on the blob server (https://).");
  public static final ConfigKey TLS_KEY_STORE = key("tls.key-store",
      new ValueType.Text("a PKCS12 file path"), "",
      "This process's private key and certificate chain (PKCS12).");
  public static final ConfigKey TLS_TRUST_STORE = key("tls.trust-store",
      new ValueType.Text("a PKCS12 file path"), "",
      "CA certificate(s) the other side must be signed by (PKCS12).");
  public static final ConfigKey TLS_PASSWORD_ENV = key("tls.password-env",
      new ValueType.Text("an environment variable name"), "QUORUMFS_TLS_PASSWORD",
      "Environment variable holding the password of both stores.");

  public static final ConfigKey UP_REPLICAS = key("up.replicas", new ValueType.Int(1, 7), "3",
      "Number of metadata replicas quorumfs up runs in its JVM.");
  public static final ConfigKey UP_GC_INTERVAL = key("up.gc-interval-seconds",
      new ValueType.Int(0, 31_536_000), "3600",
      "quorumfs up deletes unreferenced blobs (as gc --delete, with gc.grace-seconds) this often; 0: never.");
  public static final ConfigKey GC_GRACE = key("gc.grace-seconds", new ValueType.Int(0, 31_536_000),
      "7200", "gc keeps unreferenced blobs younger than this (uploads not yet committed); must exceed the blob stores' 1 h stamp refresh interval.");

  private static Map<String, ConfigKey> all;

  private static ConfigKey key(String name, ValueType type, String def, String description) {
    ConfigKey k = new ConfigKey(name, type, def, description);
    if (all == null) {
      all = new LinkedHashMap<>();
    }
    all.put(name, k);
    return k;
  }

  /** Every key by name, in documentation order. */
  public static Map<String, ConfigKey> all() {
    return java.util.Collections.unmodifiableMap(all);
  }
}
