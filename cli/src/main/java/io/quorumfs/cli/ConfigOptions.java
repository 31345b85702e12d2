package io.quorumfs.cli;

import io.quorumfs.cli.config.Config;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The --config option every command shares, and loading of file + environment. */
final class ConfigOptions {

  @Option(names = "--config", paramLabel = "FILE",
      description = "YAML config file (default: $QUORUMFS_CONFIG if set, else built-in defaults). "
          + "QUORUMFS_* environment variables and options override it; see docs/config.md.")
  Path file;

  /** A builder with the file (if any) and the environment applied; options go on top. */
  Config.Builder builder() {
    Config.Builder b = Config.builder();
    Path f = file;
    String env = System.getenv("QUORUMFS_CONFIG");
    if (f == null && env != null && !env.isBlank()) {
      f = Path.of(env);
    }
    if (f != null) {
      b.file(f);
    }
    return b.env(System.getenv());
  }
}
