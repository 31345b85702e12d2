package io.quorumfs.cli;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.function.LongSupplier;

/**
 * A one-line progress bar on stderr for long operations (fsck, gc, bench). On a terminal it
 * redraws in place at most 10 times a second; otherwise it prints a line every 10% and at the end.
 */
final class Progress {

  private static final int WIDTH = 30;
  private final PrintWriter err;
  private final String label;
  private final boolean terminal;
  private final LongSupplier nanoClock;
  private long total;
  private long done;
  private long lastDraw;
  private int lastDecile = -1;

  Progress(PrintWriter err, String label, long total, boolean terminal, LongSupplier nanoClock) {
    this.err = err;
    this.label = label;
    this.total = total;
    this.terminal = terminal;
    this.nanoClock = nanoClock;
  }

  static Progress onStderr(PrintWriter err, String label, long total) {
    return new Progress(err, label, total, System.console() != null, System::nanoTime);
  }

  /** Total may grow while walking (unknown sizes): the bar then shows done/total so far. */
  void total(long newTotal) {
    total = newTotal;
  }

  void advance(long n) {
    done += n;
    draw(false);
  }

  void finish() {
    done = Math.max(done, total);
    if (terminal || lastDecile < 10) {
      draw(true);
    }
    if (terminal) {
      err.println();
    }
    err.flush();
  }

  private void draw(boolean force) {
    long now = nanoClock.getAsLong();
    if (terminal) {
      if (!force && now - lastDraw < 100_000_000L) {
        return;
      }
      lastDraw = now;
      err.print("\r" + line());
      err.flush();
      return;
    }
    int decile = total <= 0 ? 0 : (int) Math.min(10, done * 10 / total);
    if (force || decile > lastDecile) {
      lastDecile = decile;
      err.println(line());
      err.flush();
    }
  }

  String line() {
    double frac = total <= 0 ? 0 : Math.min(1.0, (double) done / total);
    int filled = (int) Math.round(frac * WIDTH);
    return String.format(Locale.ROOT, "%-10s [%s%s] %3d%% %d/%d", label, "#".repeat(filled),
        ".".repeat(WIDTH - filled), Math.round(frac * 100), done, total);
  }
}
