package io.quorumfs.cli;

import io.quorumfs.cli.config.Config;
import io.quorumfs.cli.config.ConfigKeys;
import io.quorumfs.cli.metrics.ProcessMetrics;
import io.quorumfs.fuse.FuseEnvironment;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code quorumfs up}: a whole quorumfs in one process, mounted. */
@Command(name = "up", mixinStandardHelpOptions = true,
    header = "Run a whole quorumfs here (3 replicas, blobs, a mount) until Ctrl-C.",
    description = {
        "Run a complete quorumfs on this machine in one process and mount it: a local quorum of "
            + "metadata replicas (Raft over 127.0.0.1, each with a rocks:// store under the data "
            + "dir), a file:// blob store under the data dir, and a FUSE mount.",
        "Prints where everything is, then runs in the foreground. Ctrl-C (SIGINT) or SIGTERM "
            + "unmounts and stops the replicas cleanly. Running it again with the same data dir "
            + "brings the same file system back.",
        "TLS is off: everything listens on 127.0.0.1 only. Metrics are served on a free "
            + "127.0.0.1 port (quorumfs stats finds it) unless --metrics-listen names one."})
final class UpCommand implements Callable<Integer> {

  private static final Logger LOG = LoggerFactory.getLogger(UpCommand.class);

  @Parameters(index = "0", arity = "0..1", paramLabel = "MOUNTPOINT",
      description = "Where to mount (created if missing). Config key mount.point; "
          + "default ~/quorumfs.")
  String mountPoint;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Where replicas, blobs and the cache live. Config key data-dir; "
          + "default ~/.local/share/quorumfs.")
  String dataDir;

  @Option(names = "--replicas", paramLabel = "N",
      description = "Number of metadata replicas, 1 to 7. Config key up.replicas; default 3.")
  String replicas;

  @Option(names = "--ephemeral",
      description = "Keep everything in memory (mem: stores, a temporary Raft dir); nothing "
          + "survives the stop.")
  boolean ephemeral;

  @Option(names = "--blob", paramLabel = "URI",
      description = "Keep file contents in this blob store instead of file://<data-dir>/blobs, "
          + "e.g. s3://bucket/prefix?endpoint=http://127.0.0.1:9000&path-style=true.")
  String blob;

  @Option(names = "--delegations", paramLabel = "true|false", arity = "0..1", fallbackValue = "true",
      description = "Take directory delegations on the mount (config key mount.delegations; "
          + "default false; docs/fs.md).")
  String delegations;

  @Option(names = "--no-mount",
      description = "Start the replicas and the blob store but do not mount (hosts without FUSE).")
  boolean noMount;

  @Mixin
  ConfigOptions config;

  @Mixin
  MetricsOptions metrics;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() throws Exception {
    Config cfg = metrics.apply(config.builder()
        .option(ConfigKeys.MOUNT_POINT, mountPoint, "MOUNTPOINT")
        .option(ConfigKeys.DATA_DIR, dataDir, "--data-dir")
        .option(ConfigKeys.UP_REPLICAS, replicas, "--replicas")
        .option(ConfigKeys.MOUNT_DELEGATIONS, delegations, "--delegations")).build();
    Logging.apply(cfg);
    PrintWriter out = spec.commandLine().getOut();
    Path data = cfg.path(ConfigKeys.DATA_DIR).toAbsolutePath().normalize();
    Path mnt = cfg.path(ConfigKeys.MOUNT_POINT).toAbsolutePath().normalize();
    int n = (int) cfg.number(ConfigKeys.UP_REPLICAS);

    Properties state = UpState.read(data);
    String pid = state.getProperty("pid");
    if (pid != null && UpState.alive(Long.parseLong(pid))
        && Long.parseLong(pid) != ProcessHandle.current().pid()) {
      throw new CommandFailedException("quorumfs up is already running (pid " + pid
          + ") with data dir " + data + "; stop it with Ctrl-C in its terminal or: kill " + pid);
    }
    if (!noMount) {
      FuseEnvironment.problem().ifPresent(problem -> {
        throw new CommandFailedException(problem + " (or run: quorumfs up --no-mount)");
      });
      if (Endpoints.isMounted(mnt)) {
        throw new CommandFailedException(mnt + " is already a mount point; unmount it first: "
            + "quorumfs umount " + mnt);
      }
      Files.createDirectories(mnt);
    }
    Files.createDirectories(data);

    Deque<Parts.Running> started = new ArrayDeque<>();
    Path raftBase = ephemeral ? Files.createTempDirectory("quorumfs-up-") : data.resolve("meta");
    CountDownLatch stopped = new CountDownLatch(1);
    Runnable stopAll = () -> {
      stopAllQuietly(started);
      if (ephemeral) {
        deleteTree(raftBase);
      }
      Properties s = UpState.read(data);
      s.remove("pid");
      UpState.write(data, s);
    };
    try {
      // up always serves metrics (on a free loopback port unless told), so `quorumfs stats` works
      ProcessMetrics pm = ProcessMetrics.start(
          cfg.find(ConfigKeys.METRICS_LISTEN).or(() -> Optional.of("127.0.0.1:0")),
          cfg.bool(ConfigKeys.METRICS_JMX));
      started.push(pm::close);

      List<Parts.Peer> peers = peers(state, n);
      for (Parts.Peer p : peers) {
        String store = ephemeral ? "mem:"
            : "rocks://" + data.resolve("meta").resolve(p.id()).resolve("store");
        Path raftDir = raftBase.resolve(p.id()).resolve("raft");
        Files.createDirectories(raftDir);
        started.push(Parts.startMeta(new Parts.MetaSpec(p.id(), cfg.get(ConfigKeys.META_GROUP),
            peers, store, raftDir, Optional.empty())));
      }
      String metaUri = Parts.raftUri(peers, cfg.get(ConfigKeys.META_GROUP));
      String blobUri;
      if (blob != null) {
        blobUri = blob;
        Parts.openBlobs(blobUri).close(); // a bad URI or an unreachable store fails before mounting
      } else {
        Path blobDir = (ephemeral ? raftBase : data).resolve("blobs");
        Files.createDirectories(blobDir);
        blobUri = "file://" + blobDir;
      }
      Path cacheDir = cfg.find(ConfigKeys.MOUNT_CACHE_DIR).map(Path::of).orElse(data.resolve("cache"));
      if (!noMount) {
        started.push(Mounts.mount(Parts.MountSpec.of(cfg, metaUri, blobUri, mnt, cacheDir),
            pm.registry()));
      }

      long gcEvery = cfg.number(ConfigKeys.UP_GC_INTERVAL);
      if (gcEvery > 0) {
        started.push(Parts.startPeriodicGc(metaUri, blobUri, cfg.number(ConfigKeys.GC_GRACE),
            Duration.ofSeconds(gcEvery)));
      }

      long me = ProcessHandle.current().pid();
      state.setProperty("pid", Long.toString(me));
      state.setProperty("meta.uri", metaUri);
      state.setProperty("blob.uri", blobUri);
      state.setProperty("mount.point", noMount ? "" : mnt.toString());
      state.setProperty("metrics.url", pm.url().orElse(""));
      for (Parts.Peer p : peers) {
        state.setProperty("meta.port." + p.id(), Integer.toString(p.port()));
      }
      UpState.write(data, state);

      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        LOG.info("stopping: unmount, then the blob store and the replicas");
        stopAll.run();
        System.err.println("quorumfs up: stopped cleanly");
        stopped.countDown();
      }, "quorumfs-up-stop"));

      out.println("quorumfs is up (pid " + me + ")");
      out.println("  mount      " + (noMount ? "(none: --no-mount)" : mnt));
      out.println("  metadata   " + metaUri + "  (" + n + " replicas, "
          + (ephemeral ? "mem: stores" : "rocks:// stores under " + data.resolve("meta")) + ")");
      out.println("  blobs      " + Endpoints.shown(blobUri));
      out.println("  metrics    " + pm.url().orElse("(none)") + ", JMX domain io.quorumfs"
          + "  (live: quorumfs stats" + dataDirHint(cfg) + ")");
      out.println("  state      " + UpState.file(data));
      out.println("Check it:  quorumfs status" + dataDirHint(cfg));
      out.println("Stop it:   press Ctrl-C here, or kill " + me
          + " (SIGTERM; unmounts, then stops the replicas)");
      out.println("READY");
      out.flush();
    } catch (RuntimeException | IOException e) {
      stopAll.run();
      throw e;
    }
    stopped.await();
    return ExitCode.OK;
  }

  private static String dataDirHint(Config cfg) {
    return cfg.source(ConfigKeys.DATA_DIR).equals("default") ? ""
        : " --data-dir " + cfg.path(ConfigKeys.DATA_DIR);
  }

  /** Ports from the last run (the persisted Raft configuration names them), else free ones. */
  private static List<Parts.Peer> peers(Properties state, int n) {
    List<Parts.Peer> peers = new ArrayList<>();
    for (int i = 1; i <= n; i++) {
      String id = "n" + i;
      String saved = state.getProperty("meta.port." + id);
      int port;
      if (saved != null) {
        port = Integer.parseInt(saved);
        if (!Endpoints.portFree(port)) {
          throw new CommandFailedException("port 127.0.0.1:" + port + " of replica " + id
              + " (kept from the last run, the Raft group remembers it) is in use by another "
              + "process; free it, or start over with a new --data-dir");
        }
      } else {
        port = Endpoints.freePort();
      }
      peers.add(new Parts.Peer(id, "127.0.0.1", port));
    }
    return peers;
  }

  /**
   * Stops in reverse start order (the mount before the replicas), the leader replica last: a
   * leader stopping first makes its followers log the cancelled replication streams.
   */
  private static void stopAllQuietly(Deque<Parts.Running> started) {
    List<Parts.Running> order = new ArrayList<>();
    List<Parts.Running> leaders = new ArrayList<>();
    for (Parts.Running r : started) { // deque order: last started first
      (r.leader() ? leaders : order).add(r);
    }
    order.addAll(leaders);
    started.clear();
    for (Parts.Running r : order) {
      try {
        r.close();
      } catch (RuntimeException e) {
        LOG.warn("error while stopping: {}", e.toString());
      }
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      LOG.warn("cannot delete {}: {}", root, e.toString());
    }
  }
}
