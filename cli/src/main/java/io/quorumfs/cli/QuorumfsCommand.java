package io.quorumfs.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The top-level {@code quorumfs} command; the work is in its subcommands. */
@Command(name = "quorumfs",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    synopsisSubcommandLabel = "COMMAND",
    description = {
        "quorumfs: a distributed POSIX file system. Metadata lives in a Raft-replicated "
            + "key-value store, file contents in a content-addressed blob store, and clients "
            + "mount it with FUSE.",
        "",
        "Start everything on this machine:  quorumfs up ~/quorumfs",
    },
    subcommands = {
        UpCommand.class,
        MetaCommand.class,
        BlobCommand.class,
        MountCommand.class,
        UmountCommand.class,
        StatusCommand.class,
        FsckCommand.class,
        GcCommand.class,
        BenchCommand.class,
        StatsCommand.class,
    },
    footerHeading = "%n",
    footer = {
        "Configuration: one YAML file (--config or $QUORUMFS_CONFIG), overridden by QUORUMFS_* "
            + "environment variables, overridden by options. Every key: docs/config.md.",
        "Exit codes: 0 ok, 1 failed, 2 bad usage or config, 3 part not available in this build, "
            + "4 fsck found problems.",
    })
final class QuorumfsCommand implements java.util.concurrent.Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    spec.commandLine().getErr().println("quorumfs: missing COMMAND");
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCode.USAGE;
  }
}
