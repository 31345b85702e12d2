package io.quorumfs.meta;

import io.quorumfs.kv.KvUnavailableException;
import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;

/**
 * Changes which replicas form a metadata group (Raft membership change through the leader, Ratis
 * {@code setConfiguration}): add a replica, remove one, or both at once to replace one.
 *
 * <p>A replica to add must already run ({@code quorumfs meta start} with the new peer list); the
 * leader copies the log (or a snapshot) to it before the new membership takes effect, so the call
 * returns once it has caught up and the new membership is committed. Removing the leader is
 * allowed: it steps down once the new membership is committed. One change at a time; the group
 * needs a leader and a majority of the old and of the new membership.
 */
public final class MetaMembership {

  private MetaMembership() {}

  /**
   * The group's membership (id to host:port) as a replica of {@code uri} reports it.
   *
   * @param uri {@code raft://host:port,...} with the client's usual parameters (group, TLS)
   * @throws KvUnavailableException if no replica answers within {@code timeout}
   */
  public static Map<String, String> members(String uri, Duration timeout) {
    RaftKvStore.Options o = RaftKvStore.Options.parse(uri);
    List<String> addresses = RaftEndpoints.parseAddresses(uri);
    try (RaftEndpoints ep = new RaftEndpoints(addresses, o.group(), timeout, o.tls())) {
      return ep.discover(addresses, System.nanoTime() + timeout.toNanos()).peers();
    }
  }

  /**
   * Makes {@code add} (id to host:port) members and {@code remove} (ids) non-members, in one
   * membership change; returns the new membership.
   *
   * @throws IllegalArgumentException if an id to add is already a member with another address, an
   *     id to remove is not a member, or no member would remain
   * @throws KvUnavailableException if the group cannot be reached or refuses the change (its
   *     reason is in the message)
   */
  public static Map<String, String> change(String uri, Map<String, String> add, List<String> remove,
      Duration timeout) {
    RaftKvStore.Options o = RaftKvStore.Options.parse(uri);
    List<String> addresses = RaftEndpoints.parseAddresses(uri);
    RaftEndpoints.Discovery d;
    try (RaftEndpoints ep = new RaftEndpoints(addresses, o.group(), timeout, o.tls())) {
      d = ep.discover(addresses, System.nanoTime() + timeout.toNanos());
    }
    Map<String, String> next = new LinkedHashMap<>(d.peers());
    for (Map.Entry<String, String> e : add.entrySet()) {
      MetaServerConfig.checkAddress(e.getValue(), e.getKey() + "=" + e.getValue());
      String had = next.get(e.getKey());
      if (had != null && !had.equals(e.getValue())) {
        throw new IllegalArgumentException("replica " + e.getKey() + " is already a member at " + had
            + ", not " + e.getValue() + "; remove it first (members: " + d.peers() + ")");
      }
      next.put(e.getKey(), e.getValue());
    }
    for (String id : remove) {
      if (next.remove(id) == null) {
        throw new IllegalArgumentException("replica " + id + " is not a member of group '" + o.group()
            + "' (members: " + d.peers() + ")");
      }
    }
    if (next.isEmpty()) {
      throw new IllegalArgumentException("removing " + remove + " would leave group '" + o.group()
          + "' without members");
    }
    RaftGroup current = RaftSettings.group(o.group(), d.peers());
    List<RaftPeer> peers = List.copyOf(RaftSettings.group(o.group(), next).getPeers());
    RaftPeerId leader = d.leaderId() == null ? null : RaftPeerId.valueOf(d.leaderId());
    // the change waits for new replicas to catch up: allow it far longer than one request
    Duration wait = timeout.multipliedBy(10);
    try (RaftClient c = RaftEndpoints.newClient(current, RaftSettings.client(wait),
        RetryPolicies.retryUpToMaximumCountWithFixedSleep(10,
            org.apache.ratis.util.TimeDuration.valueOf(500, java.util.concurrent.TimeUnit.MILLISECONDS)),
        leader, o.tls())) {
      RaftClientReply r = c.admin().setConfiguration(peers);
      if (!r.isSuccess()) {
        throw new KvUnavailableException("group '" + o.group() + "' refused the membership change to "
            + next + ": " + r.getException());
      }
    } catch (IOException e) {
      throw new KvUnavailableException("membership change of group '" + o.group() + "' to " + next
          + " failed: " + e.getMessage(), e);
    }
    return next;
  }
}
