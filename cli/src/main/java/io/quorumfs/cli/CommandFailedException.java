package io.quorumfs.cli;

/** A command failed in an expected way; the message is shown to the user without a stack trace. */
final class CommandFailedException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final int exitCode;

  CommandFailedException(String message) {
    this(message, ExitCode.FAILED, null);
  }

  CommandFailedException(String message, Throwable cause) {
    this(message, ExitCode.FAILED, cause);
  }

  CommandFailedException(String message, int exitCode, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
