package io.quorumfs.cli;

import io.quorumfs.cli.config.Config;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code quorumfs fsck}: check the file system's metadata against itself and the blob store. */
@Command(name = "fsck", mixinStandardHelpOptions = true,
    header = "Check the file system metadata and its chunks.",
    description = {
        "Check a quorumfs file system: every directory entry points at an inode, every inode's "
            + "link count matches its names, directories have one parent and correct entry "
            + "counters, every chunk map belongs to a file and every chunk it references is in "
            + "the blob store, symlinks have targets, the trash and statfs counters add up. "
            + "With --read-data it also reads every byte of every file back, which fetches every "
            + "chunk and verifies its SHA-256. Run it on a quiet file system (concurrent changes "
            + "show up as spurious problems). Progress on stderr, then a summary.",
        "Exit code 0 when clean, 4 when problems were found (each is printed)."})
final class FsckCommand implements Callable<Integer> {

  @Option(names = "--read-data",
      description = "Also read every file back in full (slow on big file systems).")
  boolean readData;

  @Option(names = "--repair",
      description = "Fix what is found: dangling entries and chunks go, counters and link counts "
          + "are rewritten, orphans move to the trash. Writes without compares: only on a quiet "
          + "file system.")
  boolean repair;

  @Mixin
  ClientOptions client;


  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    Config cfg = client.builder().build();
    Logging.apply(cfg);
    String meta = Endpoints.metaUri(cfg);
    String blob = Endpoints.blobUri(cfg);
    PrintWriter out = spec.commandLine().getOut();
    Progress progress = Progress.onStderr(spec.commandLine().getErr(), "fsck", 1);
    Parts.FsckReport r = Parts.fsck(meta, blob, repair, readData, progress);
    progress.finish();
    for (String p : r.problems()) {
      out.println("PROBLEM " + p);
    }
    for (String s : r.summary()) {
      out.println("fsck: " + s);
    }
    out.println("fsck: " + (r.problems().isEmpty() ? "clean"
        : r.problems().size() + " problem(s)" + (repair ? ", " + r.repaired() + " repaired" : "")));
    out.flush();
    return r.problems().isEmpty() ? ExitCode.OK : ExitCode.PROBLEMS_FOUND;
  }
}
