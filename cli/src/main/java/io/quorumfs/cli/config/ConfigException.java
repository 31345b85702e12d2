package io.quorumfs.cli.config;

/** A configuration file, environment variable or option is wrong; the message says which and why. */
public final class ConfigException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
