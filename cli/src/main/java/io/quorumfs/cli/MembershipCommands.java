package io.quorumfs.cli;

import io.quorumfs.cli.config.Config;
import io.quorumfs.kv.KvUnavailableException;
import io.quorumfs.meta.MetaMembership;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code quorumfs meta add-peer} and {@code remove-peer}: change the group's membership. */
final class MembershipCommands {

  private MembershipCommands() {}

  /** What both commands share: where the group is, TLS, the wait. */
  abstract static class Change implements Callable<Integer> {

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "10",
        description = "How long to wait for the group's answer (default ${DEFAULT-VALUE}); a new "
            + "replica may take up to ten times this to catch up.")
    double timeout;

    @Mixin
    ClientOptions client;


    @Spec
    CommandSpec spec;

    abstract Map<String, String> add();

    abstract List<String> remove();

    abstract String next(String group, Map<String, String> members);

    @Override
    public Integer call() {
      Config cfg = client.builder().build();
      Logging.apply(cfg);
      String uri = Endpoints.metaUri(cfg);
      if (!uri.startsWith("raft://")) {
        throw new CommandFailedException("membership changes need a raft:// metadata URI, got '"
            + Endpoints.shown(uri) + "'", ExitCode.USAGE, null);
      }
      Map<String, String> members;
      try {
        members = MetaMembership.change(uri, add(), remove(),
            Duration.ofMillis((long) (Math.max(0.5, timeout) * 1000)));
      } catch (IllegalArgumentException e) {
        throw new CommandFailedException(e.getMessage(), ExitCode.USAGE, e);
      } catch (KvUnavailableException e) {
        throw new CommandFailedException(e.getMessage(), e);
      }
      String group = Parts.queryParam(uri, "group").orElse(Parts.DEFAULT_GROUP);
      Logging.CONN.info("group {}: membership changed (add {}, remove {}); members now {}", group,
          add(), remove(), members);
      PrintWriter out = spec.commandLine().getOut();
      out.println("group " + group + ": members now " + peers(members));
      out.println(next(group, members));
      out.flush();
      return ExitCode.OK;
    }
  }

  static String peers(Map<String, String> members) {
    StringBuilder b = new StringBuilder();
    members.forEach((id, a) -> b.append(b.length() == 0 ? "" : ",").append(id).append('=').append(a));
    return b.toString();
  }

  @Command(name = "add-peer", mixinStandardHelpOptions = true,
      header = "Add a running replica to the metadata group.",
      description = {
          "Make a replica a voting member of the group (a Raft membership change through the "
              + "leader). Start it first, on its machine, with quorumfs meta start --id ID and "
              + "--peers listing the current members and itself; it waits, without standing for "
              + "election, until this command adds it. The leader sends it the log or a snapshot "
              + "and the change is committed once it has caught up.",
          "Then add its address to meta.peers and meta.uri in the config of every machine. See "
              + "docs/operations.md."})
  static final class AddPeer extends Change {

    @Parameters(index = "0", paramLabel = "ID=HOST:PORT",
        description = "The replica to add, as in meta.peers, e.g. n4=10.0.0.4:9870.")
    String peer;

    @Override
    Map<String, String> add() {
      int eq = peer.indexOf('=');
      if (eq <= 0 || eq == peer.length() - 1) {
        throw new CommandFailedException("'" + peer + "' is not ID=HOST:PORT (e.g. "
            + "n4=10.0.0.4:9870)", ExitCode.USAGE, null);
      }
      return Map.of(peer.substring(0, eq), peer.substring(eq + 1));
    }

    @Override
    List<String> remove() {
      return List.of();
    }

    @Override
    String next(String group, Map<String, String> members) {
      return "next: set meta.peers to " + peers(members) + " and add the new address to meta.uri "
          + "in every machine's config (running processes need no restart)";
    }
  }

  @Command(name = "remove-peer", mixinStandardHelpOptions = true,
      header = "Remove a replica from the metadata group.",
      description = {
          "Make a replica stop being a member of the group (a Raft membership change through "
              + "the leader; removing the leader is allowed, it steps down). The group must keep a "
              + "majority of both the old and the new membership running.",
          "Then stop that replica and remove it from meta.peers and meta.uri everywhere. To "
              + "replace a machine: add-peer the new replica, then remove-peer the old one. See "
              + "docs/operations.md."})
  static final class RemovePeer extends Change {

    @Parameters(index = "0", paramLabel = "ID", description = "The id of the replica to remove.")
    String id;

    @Override
    Map<String, String> add() {
      return Map.of();
    }

    @Override
    List<String> remove() {
      return List.of(id);
    }

    @Override
    String next(String group, Map<String, String> members) {
      return "next: stop replica " + id + " (it no longer takes part), then set meta.peers to "
          + peers(members) + " and remove its address from meta.uri in every machine's config";
    }
  }
}
