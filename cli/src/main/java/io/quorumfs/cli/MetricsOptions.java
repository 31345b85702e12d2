package io.quorumfs.cli;

import io.quorumfs.cli.config.Config;
import io.quorumfs.cli.config.ConfigKeys;
import picocli.CommandLine.Option;

/** Metrics options shared by every long-running command. */
final class MetricsOptions {

  @Option(names = "--metrics-listen", paramLabel = "HOST:PORT",
      description = "Serve Prometheus text metrics at http://HOST:PORT/metrics (port 0 = any free "
          + "port). Config key metrics.listen; default: no endpoint.")
  String listen;

  @Option(names = "--no-jmx",
      description = "Do not publish metrics as JMX MBeans (config key metrics.jmx=false).")
  boolean noJmx;

  Config.Builder apply(Config.Builder b) {
    return b.option(ConfigKeys.METRICS_LISTEN, listen, "--metrics-listen")
        .option(ConfigKeys.METRICS_JMX, noJmx ? "false" : null, "--no-jmx");
  }
}
