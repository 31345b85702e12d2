package io.quorumfs.cli;

import io.quorumfs.cli.config.ConfigException;
import java.io.PrintWriter;
import picocli.AutoComplete;
import picocli.CommandLine;

/** Entry point of the {@code quorumfs} command. */
public final class Main {

  private Main() {}

  public static void main(String[] args) {
    int code = run(args);
    System.out.flush();
    System.err.flush();
    if (code != ExitCode.OK || !Boolean.getBoolean("quorumfs.noExitOnSuccess")) {
      System.exit(code);
    }
  }

  /** Runs the command line and returns the exit code (does not exit). */
  public static int run(String... args) {
    return commandLine().execute(args);
  }

  /** The configured command tree (also used by tests to render help). */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new QuorumfsCommand());
    CommandLine completion = new CommandLine(new AutoComplete.GenerateCompletion());
    completion.getCommandSpec().usageMessage().hidden(false);
    cl.addSubcommand("generate-completion", completion);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setExecutionExceptionHandler((ex, line, parseResult) -> {
      PrintWriter err = line.getErr();
      String cmd = line.getCommandSpec().qualifiedName();
      if (ex instanceof ConfigException) {
        err.println(cmd + ": " + ex.getMessage());
        return ExitCode.USAGE;
      }
      if (ex instanceof NotAvailableException) {
        err.println(cmd + ": not available: " + ex.getMessage());
        return ExitCode.NOT_AVAILABLE;
      }
      if (ex instanceof CommandFailedException) {
        err.println(cmd + ": " + ex.getMessage());
        return ((CommandFailedException) ex).exitCode();
      }
      err.println(cmd + ": failed: " + ex);
      if (Boolean.getBoolean("quorumfs.debug") || System.getenv("QUORUMFS_DEBUG") != null) {
        ex.printStackTrace(err);
      } else {
        err.println("(set QUORUMFS_DEBUG=1 for the stack trace)");
      }
      return ExitCode.FAILED;
    });
    return cl;
  }
}
