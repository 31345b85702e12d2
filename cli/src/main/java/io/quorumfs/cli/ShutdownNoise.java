package io.quorumfs.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.nio.channels.ClosedByInterruptException;
import org.slf4j.Marker;

/**
 * Drops the WARN and ERROR events that closing a client causes while its background work is in
 * flight, and only those: from Ratis' own loggers and quorumfs' raft client (io.quorumfs.meta),
 * events whose cause chain holds a Ratis {@code AlreadyClosedException} or an interrupt; from
 * fs-core, "session maintenance failed" and "background task failed" with such a cause (close
 * interrupts the background pool). Anything else, notably a failed flush at close, passes.
 * Installed by logback.xml; a logger at DEBUG ({@code log.level} / {@code log.libraries}) lets
 * them all through.
 */
public final class ShutdownNoise extends TurboFilter {

  @Override
  public FilterReply decide(Marker marker, Logger logger, Level level, String format,
      Object[] params, Throwable t) {
    if (level == null || !level.isGreaterOrEqual(Level.WARN) || logger.isDebugEnabled()) {
      return FilterReply.NEUTRAL;
    }
    Throwable e = t;
    if (e == null && params != null && params.length > 0
        && params[params.length - 1] instanceof Throwable) {
      e = (Throwable) params[params.length - 1];
    }
    return noise(logger.getName(), format, e) ? FilterReply.DENY : FilterReply.NEUTRAL;
  }

  static boolean noise(String logger, String format, Throwable e) {
    if (!fromClosing(e)) {
      return false;
    }
    if (logger.startsWith("org.apache.ratis.") || logger.startsWith("io.quorumfs.meta.")) {
      return true;
    }
    return logger.startsWith("io.quorumfs.fs.") && format != null
        && (format.startsWith("session maintenance failed")
            || format.startsWith("background task failed"));
  }

  static boolean fromClosing(Throwable t) {
    for (int depth = 0; t != null && depth < 20; depth++, t = t.getCause()) {
      if (t instanceof InterruptedException || t instanceof ClosedByInterruptException
          || t.getClass().getName().endsWith(".AlreadyClosedException")) {
        return true;
      }
    }
    return false;
  }
}
