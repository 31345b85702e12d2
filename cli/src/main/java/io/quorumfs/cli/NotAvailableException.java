package io.quorumfs.cli;

/** The command needs a part (module or API) this build of quorumfs does not have yet. */
final class NotAvailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  NotAvailableException(String what) {
    super(what);
  }
}
