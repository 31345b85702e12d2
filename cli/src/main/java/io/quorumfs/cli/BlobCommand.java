package io.quorumfs.cli;

import io.quorumfs.cli.config.Config;
import io.quorumfs.cli.config.ConfigKeys;
import io.quorumfs.cli.metrics.ProcessMetrics;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code quorumfs blob}: the blob server. */
@Command(name = "blob", mixinStandardHelpOptions = true,
    header = "The blob server: blob start.",
    description = "The blob server. See: quorumfs blob start --help.",
    subcommands = BlobCommand.Start.class)
final class BlobCommand extends GroupCommand {

  /** {@code quorumfs blob start}. */
  @Command(name = "start", mixinStandardHelpOptions = true,
      header = "Serve a blob store over HTTP(S) in the foreground.",
      description = {
          "Serve a blob store over HTTP in the foreground, for deployments without Redis or "
              + "DynamoDB. Clients (mount, fsck, gc) use it as http://HOST:PORT. "
              + "SIGINT/SIGTERM stop it.",
          "With --tls (tls.enabled) it serves HTTPS and requires a client certificate signed by "
              + "a CA in the trust store; clients with --tls use https://HOST:PORT (an http:// "
              + "blob URI is switched to https:// for them).",
          "With QUORUMFS_BLOB_TOKEN set (in the environment, never on the command line) every "
              + "request must carry that bearer token; clients read the same variable."})
  static final class Start implements Callable<Integer> {

    @Option(names = "--store", paramLabel = "URI",
        description = "What to serve: file:///dir (default file://<data-dir>/blobs), "
            + "rocks:///dir, redis://host:port/db, dynamodb://table?endpoint=... "
            + "(config key blob.store).")
    String store;

    @Option(names = "--listen", paramLabel = "HOST:PORT",
        description = "Address to listen on (config key blob.listen; default 127.0.0.1:7480).")
    String listen;

    @Option(names = "--data-dir", paramLabel = "DIR",
        description = "Base directory for the default store (config key data-dir).")
    String dataDir;

    @Mixin
    ServerOptions serverOptions;

    @Override
    public Integer call() throws Exception {
      Config cfg = serverOptions.builder()
          .option(ConfigKeys.BLOB_STORE, store, "--store")
          .option(ConfigKeys.BLOB_LISTEN, listen, "--listen")
          .option(ConfigKeys.DATA_DIR, dataDir, "--data-dir").build();
      Logging.apply(cfg);
      Path data = cfg.path(ConfigKeys.DATA_DIR).toAbsolutePath();
      String storeUri = cfg.find(ConfigKeys.BLOB_STORE).orElse("file://" + data.resolve("blobs"));
      Optional<TlsOptions.Settings> tlsSettings = TlsOptions.settings(cfg);
      ProcessMetrics pm = ProcessMetrics.start(cfg.find(ConfigKeys.METRICS_LISTEN),
          cfg.bool(ConfigKeys.METRICS_JMX));
      Parts.Running server;
      try {
        server = Parts.startBlobServer(storeUri, cfg.get(ConfigKeys.BLOB_LISTEN), tlsSettings);
      } catch (RuntimeException e) {
        pm.close();
        throw e;
      }
      System.out.println("quorumfs blob server serving " + storeUri + " at "
          + server.where() + pm.url().map(u -> "; metrics " + u).orElse(""));
      System.out.println("READY");
      System.out.flush();
      Foreground.runUntilStopped("blob server", () -> {
        server.close();
        pm.close();
      });
      return ExitCode.OK;
    }
  }
}
