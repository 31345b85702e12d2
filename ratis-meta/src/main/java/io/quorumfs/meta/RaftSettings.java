package io.quorumfs.meta;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/** Turns our config into Ratis properties and groups: the one place that knows Ratis key names. */
final class RaftSettings {

  /** The largest client message (a batch of txns); grpc's limit sits above it. */
  static final int MAX_MESSAGE_BYTES = 8 << 20;

  /** {@code raft.server.log.appender.wait-time.min}: 1 ms instead of Ratis's 10 ms. */
  static final long APPEND_WAIT_MIN_MICROS = 1000;

  private RaftSettings() {}

  static TimeDuration td(Duration d) {
    return TimeDuration.valueOf(d.toMillis(), TimeUnit.MILLISECONDS);
  }

  static RaftGroup group(String groupName, Map<String, String> peers) {
    List<RaftPeer> list = new ArrayList<>();
    peers.forEach((id, addr) -> list.add(RaftPeer.newBuilder().setId(RaftPeerId.valueOf(id)).setAddress(addr).build()));
    return RaftGroup.valueOf(RaftGroupId.valueOf(MetaServerConfig.groupUuid(groupName)), list);
  }

  static RaftProperties server(MetaServerConfig c) {
    RaftProperties p = new RaftProperties();
    RaftServerConfigKeys.setStorageDir(p, List.of(c.storageDir().toFile()));
    GrpcConfigKeys.Server.setPort(p, MetaServerConfig.port(c.address()));
    GrpcConfigKeys.Server.setHost(p, MetaServerConfig.host(c.address()));
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(MAX_MESSAGE_BYTES + (8 << 20)));
    RaftServerConfigKeys.Rpc.setTimeoutMin(p, td(c.rpcTimeoutMin()));
    RaftServerConfigKeys.Rpc.setTimeoutMax(p, td(c.rpcTimeoutMax()));
    RaftServerConfigKeys.Rpc.setRequestTimeout(p, td(c.requestTimeout()));
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(p, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(p, c.snapshotThreshold());
    RaftServerConfigKeys.Snapshot.setRetentionFileNum(p, SnapshotStore.KEEP);
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(p, true);
    RaftServerConfigKeys.Log.setPurgeGap(p, (int) Math.max(1, Math.min(1024, c.snapshotThreshold() / 2)));
    RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(p, true);
    // Ratis waits this long after any AppendEntries (heartbeats and commit-index updates too)
    // before sending the next one: its 10 ms default sits directly on a lone committer's path.
    RaftServerConfigKeys.Log.Appender.setWaitTimeMin(p, TimeDuration.valueOf(APPEND_WAIT_MIN_MICROS, TimeUnit.MICROSECONDS));
    RaftServerConfigKeys.Log.Appender.setBufferByteLimit(p, SizeInBytes.valueOf(MAX_MESSAGE_BYTES + (1 << 20)));
    // Ratis appends a metadata entry (the commit index) to the log after commits: a second append
    // and fsync on every replica for each lone commit. A replica restarts from its store's own
    // applied index and learns the commit index from the leader instead (as Ozone runs it). A/B on
    // MetaLoad's lone committer: p50 2.05-2.88 ms without, 3.44-4.87 ms with (docs/BENCHMARKS.md).
    RaftServerConfigKeys.Log.setLogMetadataEnabled(p, false);
    RaftServerConfigKeys.Log.setWriteBufferSize(p, SizeInBytes.valueOf(MAX_MESSAGE_BYTES + (2 << 20)));
    RaftServerConfigKeys.Log.setSegmentSizeMax(p, SizeInBytes.valueOf(2 * MAX_MESSAGE_BYTES));
    // Ratis keeps up to 6 segments / 200 MB of entries per replica by default; quorumfs up runs
    // three replicas in one heap.
    RaftServerConfigKeys.Log.setSegmentCacheNumMax(p, c.logCacheSegments());
    RaftServerConfigKeys.Log.setSegmentCacheSizeMax(p, SizeInBytes.valueOf(c.logCacheBytes()));
    RaftServerConfigKeys.Read.setOption(p, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Read.setLeaderLeaseEnabled(p, true);
    RaftServerConfigKeys.Read.setTimeout(p, td(c.requestTimeout()));
    c.raftProperties().forEach(p::set);
    return p;
  }

  static RaftProperties client(Duration requestTimeout) {
    RaftProperties p = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(p, td(requestTimeout));
    RaftClientConfigKeys.Rpc.setWatchRequestTimeout(p, td(requestTimeout));
    GrpcConfigKeys.setMessageSizeMax(p, SizeInBytes.valueOf(MAX_MESSAGE_BYTES + (8 << 20)));
    RaftClientConfigKeys.Async.setOutstandingRequestsMax(p, 1000);
    return p;
  }
}
