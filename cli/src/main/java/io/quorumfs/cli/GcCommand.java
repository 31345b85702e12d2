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

/** {@code quorumfs gc}: delete blobs no file references. */
@Command(name = "gc", mixinStandardHelpOptions = true,
    header = "Delete unreferenced blobs (--dry-run to only report).",
    description = {
        "Garbage-collect the blob store: mark every chunk referenced by the metadata at one "
            + "consistent revision, then delete unreferenced blobs older than the grace period "
            + "(uploads not yet committed are younger). Stops at the first listing error. Shows "
            + "progress on stderr and a summary."})
final class GcCommand implements Callable<Integer> {

  @Option(names = {"-n", "--dry-run"}, description = "Report what would be deleted; delete nothing.")
  boolean dryRun;

  @Option(names = "--grace-seconds", paramLabel = "SECONDS",
      description = "Keep unreferenced blobs younger than this (config key gc.grace-seconds; "
          + "default 7200; keep it above the 1 h stamp refresh interval).")
  String grace;

  @Mixin
  ClientOptions client;

  @Mixin
  ConfigOptions config;

  @Spec
  CommandSpec spec;

  @Override
  public Integer call() {
    Config cfg = client.apply(config.builder())
        .option(ConfigKeys.GC_GRACE, grace, "--grace-seconds").build();
    Logging.apply(cfg);
    String meta = Endpoints.metaUri(cfg);
    String blob = Endpoints.blobUri(cfg);
    PrintWriter out = spec.commandLine().getOut();
    Progress progress = Progress.onStderr(spec.commandLine().getErr(), dryRun ? "gc (dry)" : "gc", 0);
    Parts.GcReport r = Parts.gc(meta, blob, dryRun, cfg.number(ConfigKeys.GC_GRACE), progress);
    progress.finish();
    out.printf("gc%s: marked at revision %d; %d blobs, %d referenced, %d unreferenced (%d kept: "
            + "younger than %ds); %s %d blobs, %s%n", dryRun ? " --dry-run" : "", r.revision(),
        r.blobsSeen(), r.referenced(),
        r.unreferenced(), r.keptForGrace(), cfg.number(ConfigKeys.GC_GRACE),
        dryRun ? "would delete" : "deleted", r.removed(), Sizes.format(r.bytesRemoved()));
    out.flush();
    return ExitCode.OK;
  }
}
