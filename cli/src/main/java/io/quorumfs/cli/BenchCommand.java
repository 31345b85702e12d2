package io.quorumfs.cli;

import io.quorumfs.cli.config.Sizes;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code quorumfs bench}: metadata and data workloads on a mount, compared with a native dir. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    header = "Metadata and data workloads vs a native directory.",
    description = {
        "Run metadata and data workloads in a directory (normally inside a quorumfs mount) and "
            + "the same workloads in a native directory, and print per-phase figures and the "
            + "ratio quorumfs/native. Phases: create, stat, list, read and delete of small files "
            + "(metadata), then sequential write+fsync and read of one large file (data).",
        "Works in a fresh subdirectory of each directory and removes it afterwards."})
final class BenchCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "DIR", description = "Directory to test (e.g. the mount).")
  Path dir;

  @Option(names = "--native", paramLabel = "DIR",
      description = "Native directory to compare with (default: java.io.tmpdir; "
          + "--native none skips the comparison).")
  String nativeDir;

  @Option(names = "--files", paramLabel = "N", defaultValue = "1000",
      description = "Small files in the metadata phases (default ${DEFAULT-VALUE}).")
  int files;

  @Option(names = "--file-size", paramLabel = "SIZE", defaultValue = "4KiB",
      description = "Size of each small file (default ${DEFAULT-VALUE}).")
  String fileSize;

  @Option(names = "--data-size", paramLabel = "SIZE", defaultValue = "256MiB",
      description = "Size of the large file in the data phases (default ${DEFAULT-VALUE}).")
  String dataSize;

  @Spec
  CommandSpec spec;

  /** One phase: name, operations (or bytes) done, seconds, and the unit. */
  record Phase(String name, double amount, double seconds, String unit) {
    double rate() {
      return amount / seconds;
    }
  }

  @Override
  public Integer call() throws IOException {
    if (files < 1) {
      throw new CommandFailedException("--files must be at least 1, got " + files, ExitCode.USAGE, null);
    }
    long small = parseSize("--file-size", fileSize);
    long big = parseSize("--data-size", dataSize);
    if (!Files.isDirectory(dir)) {
      throw new CommandFailedException(dir + " is not a directory", ExitCode.USAGE, null);
    }
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Progress progress = Progress.onStderr(err, "bench", phases() * (nativeDir != null
        && nativeDir.equals("none") ? 1 : 2));
    List<Phase> ours = run(dir, small, big, progress);
    List<Phase> nat = null;
    if (nativeDir == null || !nativeDir.equals("none")) {
      Path n = nativeDir == null ? Path.of(System.getProperty("java.io.tmpdir")) : Path.of(nativeDir);
      nat = run(n, small, big, progress);
    }
    progress.finish();
    Table t = new Table("PHASE", "QUORUMFS", "NATIVE", "RATIO");
    for (int i = 0; i < ours.size(); i++) {
      Phase p = ours.get(i);
      Phase q = nat == null ? null : nat.get(i);
      t.row(p.name(), fmtRate(p), q == null ? "-" : fmtRate(q),
          q == null ? "-" : String.format(Locale.ROOT, "%.2f", p.rate() / q.rate()));
    }
    out.printf("bench: %d files of %s, one file of %s, in %s%s%n", files, Sizes.format(small),
        Sizes.format(big), dir, nat == null ? "" : " vs native");
    out.print(t);
    out.flush();
    return ExitCode.OK;
  }

  private static long parseSize(String option, String v) {
    try {
      return Sizes.parse(v);
    } catch (IllegalArgumentException e) {
      throw new CommandFailedException(option + " has bad value '" + v + "' (" + e.getMessage()
          + "); allowed: a size such as 4096, 512MiB or 2GiB", ExitCode.USAGE, null);
    }
  }

  private static int phases() {
    return 7;
  }

  private List<Phase> run(Path base, long small, long big, Progress progress) throws IOException {
    Path work = Files.createTempDirectory(base, "quorumfs-bench-");
    List<Phase> out = new ArrayList<>();
    byte[] content = new byte[(int) small];
    new SplittableRandom(42).nextBytes(content);
    try {
      out.add(timed("create", files, "files/s", () -> {
        for (int i = 0; i < files; i++) {
          Files.write(work.resolve("f" + i), content);
        }
      }));
      progress.advance(1);
      out.add(timed("stat", files, "stat/s", () -> {
        for (int i = 0; i < files; i++) {
          Files.readAttributes(work.resolve("f" + i), BasicFileAttributes.class);
        }
      }));
      progress.advance(1);
      out.add(timed("list", files, "entries/s", () -> {
        int seen = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(work)) {
          for (Path ignored : ds) {
            seen++;
          }
        }
        if (seen != files) {
          throw new IOException("listed " + seen + " entries in " + work + ", expected " + files);
        }
      }));
      progress.advance(1);
      out.add(timed("read", files, "files/s", () -> {
        for (int i = 0; i < files; i++) {
          if (Files.readAllBytes(work.resolve("f" + i)).length != content.length) {
            throw new IOException("short read of " + work.resolve("f" + i));
          }
        }
      }));
      progress.advance(1);
      out.add(timed("delete", files, "files/s", () -> {
        for (int i = 0; i < files; i++) {
          Files.delete(work.resolve("f" + i));
        }
      }));
      progress.advance(1);
      Path large = work.resolve("large");
      ByteBuffer block = ByteBuffer.allocate(1 << 20);
      new SplittableRandom(7).nextBytes(block.array());
      out.add(timed("write+fsync", big / 1048576.0, "MiB/s", () -> {
        try (FileChannel ch = FileChannel.open(large, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE)) {
          for (long done = 0; done < big; done += block.capacity()) {
            block.clear().limit((int) Math.min(block.capacity(), big - done));
            while (block.hasRemaining()) {
              ch.write(block);
            }
          }
          ch.force(true);
        }
      }));
      progress.advance(1);
      out.add(timed("read-seq", big / 1048576.0, "MiB/s", () -> {
        long total = 0;
        try (FileChannel ch = FileChannel.open(large, StandardOpenOption.READ)) {
          int r;
          while ((r = ch.read(block.clear())) > 0) {
            total += r;
          }
        }
        if (total != big) {
          throw new IOException("read " + total + " bytes of " + large + ", expected " + big);
        }
      }));
      progress.advance(1);
    } finally {
      try (Stream<Path> s = Files.walk(work)) {
        for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
          Files.deleteIfExists(p);
        }
      }
    }
    return out;
  }

  private interface Body {
    void run() throws IOException;
  }

  private static Phase timed(String name, double amount, String unit, Body body) throws IOException {
    long t0 = System.nanoTime();
    body.run();
    return new Phase(name, amount, Math.max(1e-9, (System.nanoTime() - t0) / 1e9), unit);
  }

  private static String fmtRate(Phase p) {
    return String.format(Locale.ROOT, "%.0f %s", p.rate(), p.unit());
  }
}
