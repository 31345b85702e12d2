package io.quorumfs.cli;

import io.quorumfs.cli.config.Config;
import io.quorumfs.cli.config.ConfigKeys;
import picocli.CommandLine.Option;

/** Where a client command finds the stores: options, config, else a running `quorumfs up`. */
final class ClientOptions {

  @Option(names = "--meta", paramLabel = "URI",
      description = "Metadata store, e.g. raft://host:port,host:port,host:port (config key "
          + "meta.uri; default: the one a running quorumfs up uses).")
  String meta;

  @Option(names = "--blob", paramLabel = "URI",
      description = "Blob store, e.g. http://host:7480 (config key blob.uri; default: the one a "
          + "running quorumfs up uses).")
  String blob;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Data dir of the quorumfs up to find (config key data-dir).")
  String dataDir;

  Config.Builder apply(Config.Builder b) {
    return b.option(ConfigKeys.META_URI, meta, "--meta")
        .option(ConfigKeys.BLOB_URI, blob, "--blob")
        .option(ConfigKeys.DATA_DIR, dataDir, "--data-dir");
  }
}
