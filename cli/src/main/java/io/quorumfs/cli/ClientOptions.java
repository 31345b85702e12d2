package io.quorumfs.cli;

import io.quorumfs.cli.config.Config;
import io.quorumfs.cli.config.ConfigKeys;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Where a client command finds the stores (options, config, else a running `quorumfs up`), how it
 * reaches them (TLS), and the config file.
 */
final class ClientOptions {

  @Option(names = "--meta", paramLabel = "URI",
      description = "Metadata store, e.g. raft://host:port,host:port,host:port (config key "
          + "meta.uri; default: the one a running quorumfs up uses).")
  String meta;

  @Option(names = "--blob", paramLabel = "URI",
      description = "Blob store: http://host:7480 (https:// with --tls), file:///dir, "
          + "redis://host:port/db, dynamodb://table?..., s3://bucket/prefix?endpoint=...&region=... (config key blob.uri; default: the one a "
          + "running quorumfs up uses).")
  String blob;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Base directory: where a running quorumfs up is found and local defaults "
          + "(e.g. mount's cache) live (config key data-dir).")
  String dataDir;

  @Mixin
  TlsOptions tls;

  @Mixin
  ConfigOptions config;

  /** The config file and the environment, with these options on top. */
  Config.Builder builder() {
    return apply(config.builder());
  }

  private Config.Builder apply(Config.Builder b) {
    return tls.apply(b).option(ConfigKeys.META_URI, meta, "--meta")
        .option(ConfigKeys.BLOB_URI, blob, "--blob")
        .option(ConfigKeys.DATA_DIR, dataDir, "--data-dir");
  }
}
