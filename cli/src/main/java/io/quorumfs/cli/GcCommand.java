package io.quorumfs.cli;

import io.quorumfs.cli.config.Config;
import io.quorumfs.cli.config.ConfigKeys;
import io.quorumfs.cli.config.Sizes;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code quorumfs gc}: report, and with {@code --delete} delete, blobs no file references. */
@Command(name = "gc", mixinStandardHelpOptions = true,
    header = "Report unreferenced blobs; delete them with --delete.",
    description = {
        "Garbage-collect the blob store: mark every chunk referenced by the metadata at one "
            + "consistent revision, then report the unreferenced blobs older than the grace "
            + "period (uploads not yet committed are younger) and, with --delete, delete them. "
            + "Without --delete nothing is deleted. Stops at the first listing error. Shows "
            + "progress on stderr and a summary."})
final class GcCommand implements Callable<Integer> {

  @Option(names = "--delete", description = "Delete the unreferenced blobs older than the grace "
      + "period (without it, gc only reports what it would delete).")
  boolean delete;

  @Option(names = {"-n", "--dry-run"},
      description = "Only report (what gc does without --delete); cannot be combined with --delete.")
  boolean dryRun;

  @Option(names = "--grace-seconds", paramLabel = "SECONDS",
      description = "Keep unreferenced blobs younger than this (config key gc.grace-seconds; "
          + "default 7200; keep it above the 1 h stamp refresh interval).")
  String grace;

  @Mixin
  ClientOptions client;


  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    if (delete && dryRun) {
      throw new picocli.CommandLine.ParameterException(spec.commandLine(),
          "--delete and --dry-run contradict each other: gc reports by default, --delete deletes");
    }
    boolean dryRun = !delete;
    Config cfg = client.builder()
        .option(ConfigKeys.GC_GRACE, grace, "--grace-seconds").build();
    Logging.apply(cfg);
    String meta = Endpoints.metaUri(cfg);
    String blob = Endpoints.blobUri(cfg);
    PrintWriter out = spec.commandLine().getOut();
    Progress progress = Progress.onStderr(spec.commandLine().getErr(), dryRun ? "gc (dry)" : "gc", 0);
    Parts.GcReport r = Parts.gc(meta, blob, dryRun, cfg.number(ConfigKeys.GC_GRACE), progress);
    progress.finish();
    out.printf("gc%s: marked at revision %d; %d blobs, %d referenced, %d unreferenced (%d kept: "
            + "younger than %ds); %s %d blobs, %s%n", dryRun ? " (report only; --delete deletes)" : "", r.revision(),
        r.blobsSeen(), r.referenced(),
        r.unreferenced(), r.keptForGrace(), cfg.number(ConfigKeys.GC_GRACE),
        dryRun ? "would delete" : "deleted", r.removed(), Sizes.format(r.bytesRemoved()));
    out.flush();
    return ExitCode.OK;
  }
}
