package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

class HelpTest {

  /** Runs the command line with captured output; returns exit code, stdout, stderr. */
  record Result(int code, String out, String err) {}

  static Result run(String... args) {
    CommandLine cl = Main.commandLine();
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    return new Result(code, out.toString(), err.toString());
  }

  private static List<CommandLine> all(CommandLine cl) {
    List<CommandLine> out = new ArrayList<>();
    out.add(cl);
    for (CommandLine sub : new java.util.LinkedHashSet<>(cl.getSubcommands().values())) {
      out.addAll(all(sub));
    }
    return out;
  }

  @Test
  void topLevelHelp_listsEveryCommand() {
    Result r = run("--help");
    assertEquals(0, r.code());
    Set<String> expected = new TreeSet<>(List.of("up", "meta", "blob", "mount", "umount", "status",
        "fsck", "gc", "bench", "stats", "generate-completion"));
    for (String c : expected) {
      assertTrue(r.out().contains("\n  " + c + " "), "help lacks command " + c + ":\n" + r.out());
    }
    assertEquals(expected, new TreeSet<>(Main.commandLine().getSubcommands().keySet()));
  }

  @Test
  void everyCommandsHelp_exitsZero_andShowsEveryOptionAndADescription() {
    for (CommandLine cl : all(Main.commandLine())) {
      String qualified = cl.getCommandSpec().qualifiedName(" ");
      List<String> args = new ArrayList<>(List.of(qualified.split(" ")));
      args.remove(0);
      args.add("--help");
      Result r = run(args.toArray(String[]::new));
      assertEquals(0, r.code(), qualified + " --help: " + r.err());
      assertTrue(r.out().startsWith("Usage: " + qualified)
          || r.out().contains("\nUsage: " + qualified), qualified + ":\n" + r.out());
      assertTrue(cl.getCommandSpec().usageMessage().description().length > 0,
          qualified + " has no description");
      for (OptionSpec o : cl.getCommandSpec().options()) {
        assertTrue(r.out().contains(o.longestName()), qualified + " help lacks " + o.longestName());
        assertTrue(o.description().length > 0, qualified + " " + o.longestName() + " undocumented");
      }
    }
  }

  @Test
  void generateCompletion_printsABashScript() {
    Result r = run("generate-completion");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("complete -F _complete_quorumfs"), r.out().substring(0, 200));
    assertTrue(r.out().contains("umount"));
  }

  @Test
  void noCommand_isAUsageError() {
    Result r = run();
    assertEquals(ExitCode.USAGE, r.code());
    assertTrue(r.err().contains("missing COMMAND"));
  }

  @Test
  void unknownOption_isAUsageError() {
    Result r = run("status", "--frobnicate");
    assertEquals(ExitCode.USAGE, r.code());
    assertTrue(r.err().contains("Unknown option: '--frobnicate'"), r.err());
  }

  @Test
  void badOptionValue_isAConfigErrorNamingTheOption() {
    Result r = run("gc", "--grace-seconds", "soon", "--meta", "mem:", "--blob", "mem:");
    assertEquals(ExitCode.USAGE, r.code());
    assertEquals("quorumfs gc: config error in option --grace-seconds: key 'gc.grace-seconds' has "
        + "bad value 'soon' (not an integer); allowed: an integer from 0 to 31536000\n", r.err());
  }

  @Test
  void metaStart_peersWithoutThisId_isAConfigError() {
    Result r = run("meta", "start", "--id", "n4", "--peers", "n1=127.0.0.1:1,n2=127.0.0.1:2");
    assertEquals(ExitCode.USAGE, r.code());
    assertTrue(r.err().contains("key 'meta.id' has bad value 'n4' (not among meta.peers); "
        + "allowed: one of n1, n2"), r.err());
  }

  @Test
  void metaStart_badPeerEntry_isAConfigError() {
    Result r = run("meta", "start", "--peers", "n1=127.0.0.1:1,n2");
    assertEquals(ExitCode.USAGE, r.code());
    assertTrue(r.err().contains("key 'meta.peers' has bad value 'n1=127.0.0.1:1,n2' (entry 'n2' "
        + "is not id=host:port); allowed: id=host:port[,id=host:port...]"), r.err());
  }

  @Test
  void tlsWithoutFiles_isAConfigError() {
    Result r = run("meta", "start", "--peers", "n1=127.0.0.1:1", "--tls");
    assertEquals(ExitCode.USAGE, r.code());
    assertTrue(r.err().contains("tls.enabled is true but tls.key-store is not set"), r.err());
  }

  @Test
  void tlsUnreadableStore_isAConfigErrorNamingTheKeyAndValue() {
    Result r = run("blob", "start", "--tls", "--tls-key-store", "/nonexistent/node.p12",
        "--tls-trust-store", "/nonexistent/trust.p12");
    assertEquals(ExitCode.USAGE, r.code());
    assertTrue(r.err().contains("config error in option --tls-key-store: key 'tls.key-store' has "
        + "bad value '/nonexistent/node.p12' (not a readable file); allowed: a PKCS12 file path"),
        r.err());
  }

  @Test
  void tlsPasswordVariableUnset_isAConfigError() {
    Result r = run("status", "--meta", "raft://127.0.0.1:1", "--tls", "--tls-key-store",
        "/etc/hostname", "--tls-trust-store", "/etc/hostname", "--tls-password-env",
        "QUORUMFS_TEST_NO_SUCH_VARIABLE");
    assertEquals(ExitCode.USAGE, r.code());
    assertTrue(r.err().contains("key 'tls.password-env' has bad value "
        + "'QUORUMFS_TEST_NO_SUCH_VARIABLE' (the environment variable "
        + "QUORUMFS_TEST_NO_SUCH_VARIABLE is not set)"), r.err());
  }

  @Test
  void membershipChange_badPeer_isAUsageError() {
    Result r = run("meta", "add-peer", "n4", "--meta", "raft://127.0.0.1:1");
    assertEquals(ExitCode.USAGE, r.code());
    assertTrue(r.err().contains("'n4' is not ID=HOST:PORT"), r.err());
  }

  @Test
  void clientCommand_withoutMetaOrRunningUp_explainsWhatToPass() {
    Result r = run("status", "--data-dir", "/nonexistent/quorumfs-test");
    assertEquals(ExitCode.USAGE, r.code());
    assertTrue(r.err().contains("no meta.uri given and no running 'quorumfs up' found in "
        + "/nonexistent/quorumfs-test; pass --meta raft://"), r.err());
    assertFalse(r.err().contains("Exception"), r.err());
  }
}
