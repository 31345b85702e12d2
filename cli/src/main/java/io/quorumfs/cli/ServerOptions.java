package io.quorumfs.cli;

import io.quorumfs.cli.config.Config;
import picocli.CommandLine.Mixin;

/** The options every server command (meta start, blob start) shares: TLS, metrics, config file. */
final class ServerOptions {

  @Mixin
  TlsOptions tls;

  @Mixin
  MetricsOptions metrics;

  @Mixin
  ConfigOptions config;

  /** The config file and the environment, with these options on top. */
  Config.Builder builder() {
    return tls.apply(metrics.apply(config.builder()));
  }
}
