package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.spi.FilterReply;
import io.quorumfs.kv.KvUnavailableException;
import java.io.IOException;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.junit.jupiter.api.Test;

class ShutdownNoiseTest {

  private final Logger logger = new LoggerContext().getLogger("io.quorumfs.fs.KvFileSystem");

  @Test
  void closingErrors_areDropped_otherErrorsAndDebugLoggersPass() {
    ShutdownNoise f = new ShutdownNoise();
    logger.setLevel(Level.INFO);
    assertTrue(ShutdownNoise.fromClosing(new KvUnavailableException("commit failed",
        new AlreadyClosedException("client closed"))));
    assertTrue(ShutdownNoise.fromClosing(new RuntimeException(new InterruptedException())));
    assertFalse(ShutdownNoise.fromClosing(new IOException("disk full")));
    assertEquals(FilterReply.DENY, f.decide(null, logger, Level.WARN,
        "session maintenance failed; will retry", null,
        new KvUnavailableException("interrupted", new InterruptedException())));
    Logger ratis = logger.getLoggerContext().getLogger("org.apache.ratis.client.impl.RaftClientImpl");
    ratis.setLevel(Level.WARN);
    assertEquals(FilterReply.DENY, f.decide(null, ratis, Level.WARN, "failed {}",
        new Object[] {"x", new AlreadyClosedException("closed")}, null));
    // a lost flush at close is never noise, whatever its cause
    assertEquals(FilterReply.NEUTRAL, f.decide(null, logger, Level.WARN,
        "flushing handle {} of inode {} at close failed; its writes are lost", null,
        new KvUnavailableException("interrupted", new InterruptedException())));
    assertEquals(FilterReply.NEUTRAL, f.decide(null, logger, Level.WARN, "failed", null,
        new IOException("disk full")));
    assertEquals(FilterReply.NEUTRAL, f.decide(null, ratis, Level.INFO, "closed", null,
        new AlreadyClosedException("closed")));
    ratis.setLevel(Level.DEBUG);
    assertEquals(FilterReply.NEUTRAL, f.decide(null, ratis, Level.WARN, "failed", null,
        new AlreadyClosedException("closed")));
  }
}
