package io.quorumfs.meta;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStoreProvider;
import java.net.URI;
import java.util.Set;

/**
 * Opens {@code raft://host:port,host:port,host:port[?group=meta&timeout=15s&reads=linearizable]}.
 * Parameters: {@code group} (raft group name, default meta), {@code timeout} (how long a commit or
 * read may wait for a quorum, default 15s), {@code requestTimeout} (one RPC, default 4s),
 * {@code reads} (linearizable | follower), {@code batch} (txns per Commit RPC,
 * default 512), {@code inflight} (Commit RPCs in flight per client, default 4),
 * {@code pollMillis} (change-feed heartbeat interval, default 1000), {@code feed} (leader | follower |
 * any: the replica a watch streams from first, default leader).
 */
public final class RaftKvStoreProvider implements KvStoreProvider {

  @Override
  public Set<String> schemes() {
    return Set.of("raft");
  }

  @Override
  public KvStore open(URI uri) {
    return new RaftKvStore(uri.toString());
  }

  /** Without {@link URI}: it cannot parse several bracketed IPv6 hosts in one authority. */
  @Override
  public KvStore open(String uri) {
    return new RaftKvStore(uri);
  }
}
