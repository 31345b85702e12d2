package io.quorumfs.meta;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * The state of every replica of a metadata group, as each one reports it: what
 * {@code quorumfs status} prints. Query with {@link #query}.
 *
 * @param replicas one entry per address asked, in order; an unreachable one has {@code error} set
 */
public record MetaStatus(List<Replica> replicas) {

  public MetaStatus {
    replicas = List.copyOf(replicas);
  }

  /**
   * One replica's view.
   *
   * @param role LEADER, FOLLOWER, CANDIDATE, LISTENER, STARTING or UNREACHABLE
   * @param leaderId the leader this replica follows ("" if none known)
   * @param commitIndex the highest log index it knows committed
   * @param appliedIndex the highest log index applied to its store
   * @param revision the revision of the last txn applied to its store
   * @param snapshotIndex its latest snapshot's log index (-1 if none)
   * @param feedProblem why it does not serve the change feed now ("" if it does)
   * @param error why it could not be asked (null if it answered)
   * @param storeBytes bytes on disk of its store (-1 if unknown: in memory, or an older replica)
   * @param raftBytes bytes on disk of its raft log and snapshots (-1 if unknown)
   */
  public record Replica(String id, String address, String role, long term, String leaderId, long commitIndex,
                        long appliedIndex, long revision, long snapshotIndex, String group, String feedProblem,
                        Map<String, String> peers, String error, long storeBytes, long raftBytes) {

    public boolean reachable() {
      return error == null;
    }
  }

  /** The leader's id, or null if no reachable replica claims to lead. */
  public String leaderId() {
    for (Replica r : replicas) {
      if ("LEADER".equals(r.role())) {
        return r.id();
      }
    }
    return null;
  }

  /** Asks every replica of {@code raft://h:p,...} or {@code h:p,...} for its status, each within {@code timeout}. */
  public static MetaStatus query(String addresses, Duration timeout) {
    RaftKvStore.Options o = RaftKvStore.Options.parse(addresses);
    return query(addresses, o.group(), timeout, o.tls());
  }

  /** As {@link #query(String, Duration)} for the raft group named {@code group}. */
  public static MetaStatus query(String addresses, String group, Duration timeout) {
    return query(addresses, group, timeout, null);
  }

  static MetaStatus query(String addresses, String group, Duration timeout, Tls tls) {
    List<String> list = RaftEndpoints.parseAddresses(addresses);
    List<Replica> out = new ArrayList<>();
    try (RaftEndpoints ep = new RaftEndpoints(list, group, timeout, tls)) {
      for (String addr : list) {
        try {
          out.add(decodeReplica(addr, ep.askAddress(addr, new byte[] {Wire.STATUS})));
        } catch (RuntimeException e) {
          out.add(new Replica("?", addr, "UNREACHABLE", 0, "", -1, -1, 0, -1, group, "", Map.of(),
              String.valueOf(e.getMessage()), -1, -1));
        }
      }
    }
    return new MetaStatus(out);
  }

  static Replica decodeReplica(String address, byte[] reply) {
    try {
      Wire.In in = new Wire.In(reply);
      byte kind = in.b();
      if (kind != Wire.OK) {
        throw new IllegalStateException("replica at " + address + " answered: " + in.str());
      }
      String id = in.str();
      String role = in.str();
      long term = in.l();
      String leader = in.str();
      long commit = in.l();
      long applied = in.l();
      long revision = in.l();
      long snapshot = in.l();
      String group = in.str();
      String feed = in.str();
      int n = in.count();
      Map<String, String> peers = new LinkedHashMap<>();
      for (int i = 0; i < n; i++) {
        peers.put(in.str(), in.str());
      }
      // fields added later come last; a replica of an older version leaves them out
      long storeBytes = in.hasMore() ? in.l() : -1;
      long raftBytes = in.hasMore() ? in.l() : -1;
      return new Replica(id, address, role, term, leader, commit, applied, revision, snapshot, group, feed, peers, null,
          storeBytes, raftBytes);
    } catch (Wire.MalformedException e) {
      throw new IllegalStateException("unreadable status from " + address + ": " + e.getMessage(), e);
    }
  }

  private static final Map<Path, long[]> DISK = new ConcurrentHashMap<>();

  /**
   * Appends what a replica adds at the end of its STATUS reply: bytes on disk of its store and of
   * its raft storage. Sizes are walked at most once a second per directory.
   */
  static void encodeDisk(Wire.Out o, MetaServerConfig config) {
    String uri = config.storeUri();
    Path store = uri.startsWith("rocks://") ? Path.of(uri.substring("rocks://".length())) : null;
    o.l(store == null ? -1 : diskBytes(store)).l(diskBytes(config.storageDir().resolve(config.groupUuid().toString())));
  }

  /** Bytes in the regular files under {@code dir} (-1 if it cannot be read), cached for a second. */
  static long diskBytes(Path dir) {
    long now = System.nanoTime();
    long[] c = DISK.get(dir);
    if (c != null && now - c[0] < 1_000_000_000L) {
      return c[1];
    }
    long total;
    try (Stream<Path> files = Files.walk(dir)) {
      total = files.mapToLong(f -> {
        try {
          return Files.isRegularFile(f) ? Files.size(f) : 0;
        } catch (IOException e) {
          return 0; // deleted while walking (compaction, log purge)
        }
      }).sum();
    } catch (IOException | UncheckedIOException e) {
      total = -1;
    }
    DISK.put(dir, new long[] {now, total});
    return total;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (Replica r : replicas) {
      if (r.reachable()) {
        sb.append(String.format("%-4s %-21s %-9s term=%d leader=%s commit=%d applied=%d snapshot=%d%s%n",
            r.id(), r.address(), r.role(), r.term(), r.leaderId(), r.commitIndex(), r.appliedIndex(),
            r.snapshotIndex(), r.feedProblem().isEmpty() ? "" : " feed-off: " + r.feedProblem()));
      } else {
        sb.append(String.format("?    %-21s UNREACHABLE %s%n", r.address(), r.error()));
      }
    }
    return sb.toString();
  }
}
