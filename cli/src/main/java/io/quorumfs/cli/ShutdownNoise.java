package io.quorumfs.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.nio.channels.ClosedByInterruptException;
import org.slf4j.Marker;

/**
 * Drops WARN and ERROR events caused by closing a client while its background work was in flight:
 * a Ratis {@code AlreadyClosedException}, or an interrupt (what closing does to background
 * threads) anywhere in the cause chain. Commands close their stores as they exit; such errors say
 * nothing about the data. Installed by logback.xml; {@code log.level=DEBUG} lets them through.
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
    return fromClosing(e) ? FilterReply.DENY : FilterReply.NEUTRAL;
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
