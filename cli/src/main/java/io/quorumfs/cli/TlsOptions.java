package io.quorumfs.cli;

import io.quorumfs.cli.config.Config;
import io.quorumfs.cli.config.ConfigKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/** Mutual-TLS options shared by servers and clients. */
final class TlsOptions {

  @Option(names = "--tls", description = "Use mutual TLS (config key tls.enabled; default off).")
  boolean tls;

  @Option(names = "--tls-cert", paramLabel = "PEM",
      description = "Certificate chain of this process (config key tls.cert).")
  String cert;

  @Option(names = "--tls-key", paramLabel = "PEM",
      description = "Private key, PKCS#8 PEM (config key tls.key).")
  String key;

  @Option(names = "--tls-ca", paramLabel = "PEM",
      description = "CA certificate(s) that peers must be signed by (config key tls.ca).")
  String ca;

  Config.Builder apply(Config.Builder b) {
    return b.option(ConfigKeys.TLS_ENABLED, tls ? "true" : null, "--tls")
        .option(ConfigKeys.TLS_CERT, cert, "--tls-cert")
        .option(ConfigKeys.TLS_KEY, key, "--tls-key")
        .option(ConfigKeys.TLS_CA, ca, "--tls-ca");
  }

  /** Checks that the three files exist when TLS is on; returns the files (empty when off). */
  static Optional<Path[]> files(Config cfg) {
    if (!cfg.bool(ConfigKeys.TLS_ENABLED)) {
      return Optional.empty();
    }
    Path[] out = new Path[3];
    int i = 0;
    for (var k : new io.quorumfs.cli.config.ConfigKey[] {ConfigKeys.TLS_CERT, ConfigKeys.TLS_KEY,
        ConfigKeys.TLS_CA}) {
      if (cfg.find(k).isEmpty()) {
        throw new io.quorumfs.cli.config.ConfigException("config error: tls.enabled is true but "
            + k.name() + " is not set; allowed: " + k.type().allowed());
      }
      Path p = cfg.path(k);
      if (!Files.isReadable(p)) {
        throw new io.quorumfs.cli.config.ConfigException("config error in " + cfg.source(k)
            + ": key '" + k.name() + "' has bad value '" + p + "' (not a readable file); allowed: "
            + k.type().allowed());
      }
      out[i++] = p;
    }
    return Optional.of(out);
  }
}
