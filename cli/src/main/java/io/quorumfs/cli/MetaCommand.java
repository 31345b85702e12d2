package io.quorumfs.cli;

import io.quorumfs.cli.config.Config;
import io.quorumfs.cli.config.ConfigException;
import io.quorumfs.cli.config.ConfigKeys;
import io.quorumfs.cli.metrics.ProcessMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code quorumfs meta}: metadata replicas. */
@Command(name = "meta", mixinStandardHelpOptions = true,
    header = "Metadata replicas: meta start, add-peer, remove-peer.",
    description = "Metadata replicas (the Raft group): run one (start), change which replicas "
        + "form the group (add-peer, remove-peer). See: quorumfs meta start --help.",
    subcommands = {MetaCommand.Start.class, MembershipCommands.AddPeer.class,
        MembershipCommands.RemovePeer.class})
final class MetaCommand extends GroupCommand {

  /** {@code quorumfs meta start}: one replica, in the foreground. */
  @Command(name = "start", mixinStandardHelpOptions = true,
      header = "Run one metadata replica in the foreground.",
      description = {
          "Run one metadata replica in the foreground (for systemd: Type=simple). Start one per "
              + "machine with the same --peers and --group and a different --id; the group "
              + "elects a leader once a majority runs. SIGINT/SIGTERM stop it cleanly.",
          "Clients reach the group as raft://host:port,host:port,host:port (the peers' "
              + "addresses)."})
  static final class Start implements Callable<Integer> {

    @Option(names = "--id", paramLabel = "ID",
        description = "This replica's id, one of the --peers ids (config key meta.id; default n1).")
    String id;

    @Option(names = "--peers", paramLabel = "ID=HOST:PORT,...",
        description = "Every replica of the group, this one included, e.g. "
            + "n1=10.0.0.1:9870,n2=10.0.0.2:9870,n3=10.0.0.3:9870 (config key meta.peers). "
            + "This replica listens on its own entry's port.")
    String peers;

    @Option(names = "--group", paramLabel = "NAME",
        description = "Raft group name (config key meta.group; default meta).")
    String group;

    @Option(names = "--store", paramLabel = "URI",
        description = "Local store of this replica: rocks:///path (default "
            + "rocks://<data-dir>/meta/<id>/store), mem: for tests (config key meta.store).")
    String store;

    @Option(names = "--dir", paramLabel = "DIR",
        description = "Raft log and snapshot directory (default <data-dir>/meta/<id>/raft; "
            + "config key meta.dir).")
    String dir;

    @Option(names = "--data-dir", paramLabel = "DIR",
        description = "Base directory for the defaults above (config key data-dir).")
    String dataDir;

    @Mixin
    ServerOptions serverOptions;

    @Override
    public Integer call() throws Exception {
      Config cfg = serverOptions.builder()
          .option(ConfigKeys.META_ID, id, "--id")
          .option(ConfigKeys.META_PEERS, peers, "--peers")
          .option(ConfigKeys.META_GROUP, group, "--group")
          .option(ConfigKeys.META_STORE, store, "--store")
          .option(ConfigKeys.META_DIR, dir, "--dir")
          .option(ConfigKeys.DATA_DIR, dataDir, "--data-dir").build();
      Logging.apply(cfg);
      String me = cfg.get(ConfigKeys.META_ID);
      List<Parts.Peer> group = parsePeers(cfg);
      if (group.stream().noneMatch(p -> p.id().equals(me))) {
        throw new ConfigException("config error in " + cfg.source(ConfigKeys.META_ID) + ": key '"
            + ConfigKeys.META_ID.name() + "' has bad value '" + me + "' (not among meta.peers); "
            + "allowed: one of " + String.join(", ", group.stream().map(Parts.Peer::id).toList()));
      }
      Path data = cfg.path(ConfigKeys.DATA_DIR);
      String storeUri = cfg.find(ConfigKeys.META_STORE)
          .orElse("rocks://" + data.toAbsolutePath().resolve("meta").resolve(me).resolve("store"));
      Path raftDir = cfg.find(ConfigKeys.META_DIR).map(Path::of)
          .orElse(data.toAbsolutePath().resolve("meta").resolve(me).resolve("raft"));
      Optional<TlsOptions.Settings> tlsSettings = TlsOptions.settings(cfg);
      Files.createDirectories(raftDir);
      ProcessMetrics pm = ProcessMetrics.start(cfg.find(ConfigKeys.METRICS_LISTEN),
          cfg.bool(ConfigKeys.METRICS_JMX));
      Parts.Running replica;
      try {
        replica = Parts.startMeta(new Parts.MetaSpec(me, cfg.get(ConfigKeys.META_GROUP), group,
            storeUri, raftDir, tlsSettings));
      } catch (RuntimeException e) {
        pm.close();
        throw e;
      }
      String uri = Parts.raftUri(group, cfg.get(ConfigKeys.META_GROUP));
      System.out.println("quorumfs meta replica " + me + " of group " + cfg.get(ConfigKeys.META_GROUP)
          + " running" + (tlsSettings.isPresent() ? " with mutual TLS" : "") + "; store " + storeUri
          + ", raft dir " + raftDir + "; clients use " + uri
          + pm.url().map(u -> "; metrics " + u).orElse(""));
      System.out.println("READY");
      System.out.flush();
      java.util.concurrent.atomic.AtomicReference<RuntimeException> failed = new java.util.concurrent.atomic.AtomicReference<>();
      Foreground.runUntilStopped("meta replica " + me, () -> {
        replica.close();
        pm.close();
      }, () -> failed.set(replica.awaitFailure()));
      RuntimeException why = failed.get();
      if (why != null) {
        // Fail-stop: a replica that could not apply an entry must not go on; the process exits
        // non-zero so its supervisor (systemd Restart=on-failure) sees it.
        throw new CommandFailedException("replica " + me + " stopped: its store failed to apply an entry ("
            + why.getMessage() + "); check the disk and the log, then start it again", ExitCode.FAILED, why);
      }
      return ExitCode.OK;
    }
  }

  /** Parses meta.peers: {@code id=host:port,...}; errors name the bad entry. */
  static List<Parts.Peer> parsePeers(Config cfg) {
    String text = cfg.get(ConfigKeys.META_PEERS);
    String where = cfg.source(ConfigKeys.META_PEERS);
    if (text.isBlank()) {
      throw new ConfigException("config error: key 'meta.peers' is not set; allowed: "
          + ConfigKeys.META_PEERS.type().allowed() + " (use --peers or QUORUMFS_META_PEERS)");
    }
    List<Parts.Peer> out = new ArrayList<>();
    for (String entry : text.split(",")) {
      String e = entry.trim();
      int eq = e.indexOf('=');
      io.quorumfs.kv.HostPort address = null;
      String why = "is not id=host:port";
      if (eq > 0) {
        try {
          address = io.quorumfs.kv.HostPort.parse(e.substring(eq + 1));
        } catch (IllegalArgumentException bad) {
          why = "is not id=host:port: " + bad.getMessage();
        }
      }
      if (address == null || address.port() < 1) {
        throw new ConfigException("config error in " + where + ": key 'meta.peers' has bad value '"
            + text + "' (entry '" + e + "' " + why + "); allowed: "
            + ConfigKeys.META_PEERS.type().allowed());
      }
      String id = e.substring(0, eq);
      if (out.stream().anyMatch(p -> p.id().equals(id))) {
        throw new ConfigException("config error in " + where + ": key 'meta.peers' has bad value '"
            + text + "' (id '" + id + "' appears twice); allowed: "
            + ConfigKeys.META_PEERS.type().allowed());
      }
      out.add(new Parts.Peer(id, address.host(), address.port()));
    }
    return out;
  }
}
