package io.quorumfs.cli;

import io.quorumfs.cli.config.Config;
import io.quorumfs.cli.config.ConfigKeys;
import io.quorumfs.cli.metrics.ProcessMetrics;
import io.quorumfs.fuse.FuseEnvironment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quorumfs mount}: a FUSE client in the foreground. */
@Command(name = "mount", mixinStandardHelpOptions = true,
    header = "Mount a quorumfs file system with FUSE (foreground).",
    description = {
        "Mount a quorumfs file system with FUSE and serve it in the foreground (for systemd: "
            + "Type=simple). SIGINT/SIGTERM unmount cleanly; quorumfs umount MOUNTPOINT from "
            + "another shell does too.",
        "Needs fuse and libfuse2: apt-get install -y --no-install-recommends fuse libfuse2"})
final class MountCommand implements Callable<Integer> {

  @Parameters(index = "0", arity = "0..1", paramLabel = "MOUNTPOINT",
      description = "Directory to mount on (config key mount.point; default ~/quorumfs).")
  String mountPoint;

  @Option(names = "--cache-dir", paramLabel = "DIR",
      description = "Local chunk cache and write-back outbox (config key mount.cache-dir; "
          + "default <data-dir>/cache).")
  String cacheDir;

  @Option(names = "--cache-size", paramLabel = "SIZE",
      description = "Bound of the chunk cache, e.g. 512MiB, 4GiB (config key mount.cache-size; "
          + "default 64MiB; at most a quarter of the heap).")
  String cacheSize;

  @Option(names = "--write-back", paramLabel = "true|false", arity = "0..1", fallbackValue = "true",
      description = "Acknowledge writes once they are in the local durable outbox and upload in "
          + "the background (config key mount.write-back; default false).")
  String writeBack;

  @Option(names = "--delegations", paramLabel = "true|false", arity = "0..1", fallbackValue = "true",
      description = "Take directory delegations (config key mount.delegations; default false).")
  String delegations;

  @Option(names = "--mount-table", paramLabel = "PATH=SUBDIR,...",
      description = "Show subdirectories of the file system at chosen paths, e.g. "
          + "/=,/projects=vol/projects (config key mount.table; default: the root at /).")
  String table;

  @Mixin
  ClientOptions client;

  @Mixin
  MetricsOptions metrics;


  @Override
  public Integer call() throws Exception {
    Config cfg = metrics.apply(client.builder()
        .option(ConfigKeys.MOUNT_POINT, mountPoint, "MOUNTPOINT")
        .option(ConfigKeys.MOUNT_CACHE_DIR, cacheDir, "--cache-dir")
        .option(ConfigKeys.MOUNT_CACHE_SIZE, cacheSize, "--cache-size")
        .option(ConfigKeys.MOUNT_WRITE_BACK, writeBack, "--write-back")
        .option(ConfigKeys.MOUNT_TABLE, table, "--mount-table")
        .option(ConfigKeys.MOUNT_DELEGATIONS, delegations, "--delegations")).build();
    Logging.apply(cfg);
    String metaUri = Endpoints.metaUri(cfg);
    String blobUri = Endpoints.blobUri(cfg);
    Path mnt = cfg.path(ConfigKeys.MOUNT_POINT).toAbsolutePath().normalize();
    FuseEnvironment.problem().ifPresent(problem -> {
      throw new CommandFailedException(problem);
    });
    if (Endpoints.isMounted(mnt)) {
      throw new CommandFailedException(mnt + " is already a mount point; unmount it first: "
          + "quorumfs umount " + mnt);
    }
    Files.createDirectories(mnt);
    Path cache = cfg.find(ConfigKeys.MOUNT_CACHE_DIR).map(Path::of)
        .orElse(cfg.path(ConfigKeys.DATA_DIR).toAbsolutePath().resolve("cache"));
    ProcessMetrics pm = ProcessMetrics.start(cfg.find(ConfigKeys.METRICS_LISTEN),
        cfg.bool(ConfigKeys.METRICS_JMX));
    Mounts.Mounted mounted;
    try {
      mounted = Mounts.mount(Parts.MountSpec.of(cfg, metaUri, blobUri, mnt, cache), pm.registry());
    } catch (RuntimeException e) {
      pm.close();
      throw e;
    }
    System.out.println("quorumfs mounted at " + mnt + " (metadata " + Endpoints.shown(metaUri)
        + ", blobs " + Endpoints.shown(blobUri) + ")" + pm.url().map(u -> "; metrics " + u).orElse(""));
    System.out.println("READY");
    System.out.flush();
    Foreground.runUntilStopped("mount " + mnt, () -> {
      mounted.close();
      pm.close();
    }, mounted::awaitUnmount);
    return ExitCode.OK;
  }
}
