package io.quorumfs.cli;

/** Exit codes of the quorumfs command (also listed in docs/operations.md). */
final class ExitCode {
  static final int OK = 0;
  /** The operation failed (unreachable store, I/O error, ...). */
  static final int FAILED = 1;
  /** Bad usage: unknown option, bad config key or value. */
  static final int USAGE = 2;
  /** The part this command needs is not built into this quorumfs yet. */
  static final int NOT_AVAILABLE = 3;
  /** fsck found problems. */
  static final int PROBLEMS_FOUND = 4;

  private ExitCode() {}
}
