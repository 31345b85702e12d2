package io.quorumfs.cli;

import io.quorumfs.cli.config.Config;
import io.quorumfs.cli.config.ConfigKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code quorumfs umount}: unmount a FUSE mount (the mount process then exits). */
@Command(name = "umount", mixinStandardHelpOptions = true,
    header = "Unmount a quorumfs mount point.",
    description = "Unmount a quorumfs mount point with fusermount -u; the quorumfs mount process "
        + "serving it then exits. Stopping that process (SIGINT/SIGTERM) unmounts too.")
final class UmountCommand implements Callable<Integer> {

  @Parameters(index = "0", arity = "0..1", paramLabel = "MOUNTPOINT",
      description = "The mount point (config key mount.point; default ~/quorumfs).")
  String mountPoint;

  @Option(names = {"-l", "--lazy"},
      description = "Detach now even if busy; clean up when no longer used (fusermount -u -z).")
  boolean lazy;

  @Mixin
  ConfigOptions config;

  @Override
  public Integer call() throws IOException, InterruptedException {
    Config cfg = config.builder().option(ConfigKeys.MOUNT_POINT, mountPoint, "MOUNTPOINT").build();
    Path mnt = cfg.path(ConfigKeys.MOUNT_POINT).toAbsolutePath().normalize();
    if (!Endpoints.isMounted(mnt)) {
      throw new CommandFailedException(mnt + " is not mounted");
    }
    List<String> cmd = new ArrayList<>(List.of("fusermount", "-u"));
    if (lazy) {
      cmd.add("-z");
    }
    cmd.add(mnt.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new CommandFailedException("fusermount -u " + mnt + " did not finish in 30 s");
    }
    if (p.exitValue() != 0) {
      throw new CommandFailedException("cannot unmount " + mnt + ": " + output
          + (lazy ? "" : " (busy? try quorumfs umount --lazy " + mnt + ")"));
    }
    System.out.println("unmounted " + mnt);
    return ExitCode.OK;
  }
}
