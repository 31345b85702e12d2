package io.quorumfs.cli;

import io.quorumfs.cli.config.Config;
import io.quorumfs.cli.config.Sizes;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code quorumfs fsck}: check the file system's metadata against itself and the blob store. */
@Command(name = "fsck", mixinStandardHelpOptions = true,
    header = "Check the file system metadata and its chunks.",
    description = {
        "Check a quorumfs file system by walking it from the root: every directory entry points "
            + "at a readable inode of the entry's type, directory link counts match their "
            + "subdirectories, no file has more names than its link count, symlinks have targets, "
            + "and every byte of every file reads back (which fetches every chunk from the blob "
            + "store and verifies its SHA-256). Read-only. Progress on stderr, then a summary.",
        "Exit code 0 when clean, 4 when problems were found (each is printed)."})
final class FsckCommand implements Callable<Integer> {

  @picocli.CommandLine.Option(names = "--no-data",
      description = "Skip reading file contents (faster; chunks are then not verified).")
  boolean noData;

  @Mixin
  ClientOptions client;

  @Mixin
  ConfigOptions config;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    Config cfg = client.apply(config.builder()).build();
    Logging.apply(cfg);
    String meta = Endpoints.metaUri(cfg);
    String blob = Endpoints.blobUri(cfg);
    PrintWriter out = spec.commandLine().getOut();
    Progress progress = Progress.onStderr(spec.commandLine().getErr(), "fsck", 0);
    Parts.FsckReport r = Parts.fsck(meta, blob, !noData, progress);
    progress.finish();
    for (String p : r.problems()) {
      out.println("PROBLEM " + p);
    }
    out.printf("fsck: %d inodes (%d directories, %d files), %s of file data%s; %s%n", r.inodes(),
        r.directories(), r.files(), Sizes.format(r.bytes()), noData ? " (not read: --no-data)"
            : " read and verified",
        r.problems().isEmpty() ? "clean" : r.problems().size() + " problem(s)");
    out.flush();
    return r.problems().isEmpty() ? ExitCode.OK : ExitCode.PROBLEMS_FOUND;
  }
}
