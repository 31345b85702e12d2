package io.quorumfs.meta;

import io.quorumfs.kv.HostPort;
import io.quorumfs.kv.KvUnavailableException;
import io.quorumfs.kv.UriQuery;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.rpc.SupportedRpcType;

/**
 * Reaches replicas by address before their ids are known: one probe client per address asks the
 * replica directly (a stale read, which needs no leader). Used to discover the group's peers
 * ({@code raft://} URIs carry addresses only) and for status queries.
 */
final class RaftEndpoints implements AutoCloseable {

  private final String group;
  private final Duration timeout;
  private final Tls tls;
  private final Map<String, RaftClient> probes = new ConcurrentHashMap<>();

  RaftEndpoints(List<String> addresses, String group, Duration timeout, Tls tls) {
    this.group = group;
    this.timeout = timeout;
    this.tls = tls;
  }

  /** {@code raft://h:p,h:p?x=y} or {@code h:p,h:p} to the list of {@code h:p} (IPv6 as {@code [v6]:p}). */
  static List<String> parseAddresses(String spec) {
    List<String> out = new ArrayList<>();
    for (HostPort hp : UriQuery.hosts(spec)) {
      if (hp.port() < 1) {
        throw new IllegalArgumentException("port of '" + hp + "' in '" + UriQuery.shown(spec) + "' is not 1..65535");
      }
      out.add(hp.toString());
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("'" + UriQuery.shown(spec) + "' names no replica address (expected raft://host:port,host:port,...)");
    }
    return out;
  }

  static RaftClient newClient(RaftGroup group, RaftProperties props, RetryPolicy retry) {
    return newClient(group, props, retry, null, null);
  }

  static RaftClient newClient(RaftGroup group, RaftProperties props, RetryPolicy retry, RaftPeerId leader, Tls tls) {
    RaftConfigKeys.Rpc.setType(props, SupportedRpcType.GRPC);
    RaftClient.Builder b = RaftClient.newBuilder().setProperties(props).setRaftGroup(group).setRetryPolicy(retry);
    if (tls != null) {
      b.setParameters(tls.parameters());
    }
    if (leader != null && group.getPeer(leader) != null) {
      b.setLeaderId(leader);
    }
    return b.build();
  }

  static RaftGroupId groupId(String group) {
    return RaftGroupId.valueOf(MetaServerConfig.groupUuid(group));
  }

  private static RaftPeerId probeId(String address) {
    return RaftPeerId.valueOf("probe-" + address.replace(':', '-'));
  }

  /** Sends {@code query} to the replica at {@code address} and returns its reply bytes. */
  byte[] askAddress(String address, byte[] query) {
    RaftClient c = probes.computeIfAbsent(address, a -> newClient(
        RaftGroup.valueOf(groupId(group), RaftPeer.newBuilder().setId(probeId(a)).setAddress(a).build()),
        RaftSettings.client(timeout), RetryPolicies.noRetry(), null, tls));
    try {
      RaftClientReply reply = c.io().sendStaleRead(MetaStateMachine.message(query), -1, probeId(address));
      if (!reply.isSuccess()) {
        throw new KvUnavailableException("replica at " + address + " refused: " + reply.getException());
      }
      return reply.getMessage().getContent().toByteArray();
    } catch (IOException e) {
      throw new KvUnavailableException("replica at " + address + " did not answer: " + e.getMessage(), e);
    }
  }

  /**
   * Asks the addresses in turn until one reports the group's peers (id to address), retrying until
   * {@code deadlineNanos}.
   *
   * @throws KvUnavailableException naming every address and its last error if none answered in time
   */
  /** The group's peers and the leader one replica reported (null if it knew none). */
  record Discovery(Map<String, String> peers, String leaderId) {}

  Discovery discover(List<String> addresses, long deadlineNanos) {
    Map<String, String> errors = new LinkedHashMap<>();
    do {
      for (String a : addresses) {
        try {
          MetaStatus.Replica r = MetaStatus.decodeReplica(a, askAddress(a, new byte[] {Wire.STATUS}));
          if (!r.peers().isEmpty()) {
            return new Discovery(r.peers(), r.leaderId().isEmpty() ? null : r.leaderId());
          }
        } catch (RuntimeException e) {
          errors.put(a, String.valueOf(e.getMessage()));
        }
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    } while (System.nanoTime() < deadlineNanos);
    throw new KvUnavailableException("no replica of group '" + group + "' answered within " + timeout
        + "; tried " + errors);
  }

  @Override
  public void close() {
    for (RaftClient c : probes.values()) {
      try {
        c.close();
      } catch (IOException e) {
        // best effort
      }
    }
    probes.clear();
  }
}
