package io.quorumfs.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quorumfs.cli.config.Config;
import io.quorumfs.cli.config.Sizes;
import io.quorumfs.fs.LiveSessions;
import java.time.temporal.ChronoUnit;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code quorumfs status}: the metadata group at a glance. */
@Command(name = "status", mixinStandardHelpOptions = true,
    header = "Leader, term, commit/applied index and lag per replica.",
    description = {
        "Show the metadata group: the leader and, per replica, its role, Raft term, commit and "
            + "applied index, its lag behind the leader's commit index, its latest snapshot index, "
            + "whether it serves the change feed, and the bytes on disk of its store and of its "
            + "Raft log and snapshots. A replica that does not answer is shown with its error.",
        "Then the connected clients: the file system's live sessions (each mount or other "
            + "open file system heartbeats one), with host/pid and start time.",
        "Exit code 0 when a leader is known, 1 otherwise."})
final class StatusCommand implements Callable<Integer> {

  @Option(names = "--json", description = "Print one JSON object instead of a table.")
  boolean json;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "3",
      description = "How long to wait for each replica's answer (default ${DEFAULT-VALUE}).")
  double timeout;

  @Mixin
  ClientOptions client;


  @Spec
  CommandSpec spec;

  private static final ObjectMapper JSON = new ObjectMapper();

  private static String size(boolean down, long bytes) {
    return down || bytes < 0 ? "-" : Sizes.format(bytes);
  }

  @Override
  public Integer call() {
    Config cfg = client.builder().build();
    Logging.apply(cfg);
    String metaUri = Endpoints.metaUri(cfg);
    Parts.ClusterStatus st = Parts.status(metaUri,
        java.time.Duration.ofMillis((long) (Math.max(0.1, timeout) * 1000)));
    PrintWriter out = spec.commandLine().getOut();
    long leaderCommit = st.replicas().stream()
        .filter(r -> st.leader().isPresent() && r.id().equals(st.leader().get()))
        .mapToLong(Parts.ReplicaStatus::commitIndex).findFirst()
        .orElse(st.replicas().stream().mapToLong(Parts.ReplicaStatus::commitIndex).max().orElse(0));
    if (json) {
      out.println(json(Endpoints.shown(metaUri), st, leaderCommit));
    } else {
      out.println("metadata " + Endpoints.shown(metaUri));
      out.println("group " + st.group() + ", leader " + st.leader().orElse("NONE") + ", members "
          + (st.members().isEmpty() ? "unknown" : MembershipCommands.peers(st.members())));
      Table t = new Table("REPLICA", "ADDRESS", "ROLE", "TERM", "COMMIT", "APPLIED", "LAG",
          "SNAPSHOT", "STORE", "RAFT", "FEED", "ERROR");
      for (Parts.ReplicaStatus r : st.replicas()) {
        boolean down = r.error().isPresent();
        boolean removed = !down && !st.members().isEmpty() && !st.members().containsKey(r.id());
        t.row(r.id(), r.address(), r.role() + (removed ? " (not a member)" : ""), down ? "-" : r.term(), down ? "-" : r.commitIndex(),
            down ? "-" : r.appliedIndex(),
            down ? "-" : Math.max(0, leaderCommit - r.appliedIndex()),
            down ? "-" : r.snapshotIndex(), size(down, r.storeBytes()), size(down, r.raftBytes()),
            down ? "-" : r.feedProblem().isEmpty() ? "serving" : r.feedProblem(),
            r.error().orElse(""));
      }
      out.print(t);
      if (st.clientsError().isPresent()) {
        out.println("clients: unknown (" + st.clientsError().get() + ")");
      } else {
        out.println("clients: " + st.clients().size() + " connected");
        if (!st.clients().isEmpty()) {
          Table c = new Table("SESSION", "HOST/PID", "SINCE");
          for (LiveSessions.Session s : st.clients()) {
            c.row(s.id(), s.host(), s.started().truncatedTo(ChronoUnit.SECONDS));
          }
          out.print(c);
        }
      }
    }
    out.flush();
    return st.leader().isPresent() ? ExitCode.OK : ExitCode.FAILED;
  }

  /** The {@code --json} document: one object, the same fields as the table, absent values as null. */
  static String json(String shownUri, Parts.ClusterStatus st, long leaderCommit) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("meta", shownUri);
    m.put("group", st.group());
    m.put("leader", st.leader().orElse(null));
    m.put("members", st.members());
    List<Object> reps = new ArrayList<>();
    for (Parts.ReplicaStatus r : st.replicas()) {
      Map<String, Object> rm = new LinkedHashMap<>();
      rm.put("id", r.id());
      rm.put("address", r.address());
      rm.put("role", r.role());
      rm.put("member", r.error().isPresent() ? null : st.members().containsKey(r.id()));
      rm.put("term", r.term());
      rm.put("commitIndex", r.commitIndex());
      rm.put("appliedIndex", r.appliedIndex());
      rm.put("lag", r.error().isPresent() ? null : Math.max(0, leaderCommit - r.appliedIndex()));
      rm.put("revision", r.revision());
      rm.put("snapshotIndex", r.snapshotIndex());
      rm.put("feed", r.error().isPresent() ? null : r.feedProblem().isEmpty() ? "serving"
          : r.feedProblem());
      rm.put("error", r.error().orElse(null));
      rm.put("storeBytes", r.error().isPresent() || r.storeBytes() < 0 ? null : r.storeBytes());
      rm.put("raftBytes", r.error().isPresent() || r.raftBytes() < 0 ? null : r.raftBytes());
      reps.add(rm);
    }
    m.put("replicas", reps);
    List<Object> clients = new ArrayList<>();
    for (LiveSessions.Session s : st.clients()) {
      Map<String, Object> cm = new LinkedHashMap<>();
      cm.put("session", s.id());
      cm.put("host", s.host());
      cm.put("started", s.started().toString());
      clients.add(cm);
    }
    m.put("clients", st.clientsError().isPresent() ? null : clients);
    m.put("clientsError", st.clientsError().orElse(null));
    try {
      return JSON.writeValueAsString(m);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("status as JSON: " + e.getMessage(), e);
    }
  }
}
