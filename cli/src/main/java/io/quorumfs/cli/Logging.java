package io.quorumfs.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import io.quorumfs.cli.config.Config;
import io.quorumfs.cli.config.ConfigKeys;
import org.slf4j.LoggerFactory;

/** Applies the log.* config keys to Logback. */
final class Logging {

  /** Logger for connection and authentication events (peers, clients, TLS handshakes). */
  static final org.slf4j.Logger CONN = LoggerFactory.getLogger("quorumfs.conn");

  private Logging() {}

  static void apply(Config cfg) {
    Level ours = Level.toLevel(cfg.get(ConfigKeys.LOG_LEVEL), Level.INFO);
    Level libs = Level.toLevel(cfg.get(ConfigKeys.LOG_LIBRARIES), Level.WARN);
    set("io.quorumfs", ours);
    set("quorumfs", ours);
    set(org.slf4j.Logger.ROOT_LOGGER_NAME, libs);
  }

  private static void set(String name, Level level) {
    org.slf4j.Logger l = LoggerFactory.getLogger(name);
    if (l instanceof Logger) {
      ((Logger) l).setLevel(level);
    }
  }
}
