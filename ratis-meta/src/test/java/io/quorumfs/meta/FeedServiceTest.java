package io.quorumfs.meta;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.Txn;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.ratis.thirdparty.io.grpc.CallOptions;
import org.apache.ratis.thirdparty.io.grpc.ClientCall;
import org.apache.ratis.thirdparty.io.grpc.ManagedChannel;
import org.apache.ratis.thirdparty.io.grpc.Metadata;
import org.apache.ratis.thirdparty.io.grpc.Status;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The feed stream itself, read with a raw gRPC call: heartbeats, push, flow control, RESYNC, leader loss. */
class FeedServiceTest {

  @TempDir
  Path dir;

  /** A raw feed call whose messages the test asks for explicitly (manual flow control). */
  static final class Raw extends ClientCall.Listener<byte[]> implements AutoCloseable {
    final ManagedChannel channel;
    final ClientCall<byte[], byte[]> call;
    final List<byte[]> messages = new CopyOnWriteArrayList<>();
    volatile Status status;

    Raw(String address, long from, int request) {
      channel = MetaRpc.channel(address, null);
      call = channel.newCall(FeedService.WATCH, CallOptions.DEFAULT);
      call.start(this, new Metadata());
      call.sendMessage(new Wire.Out(16).l(from).i(-1).i(250).bytes());
      call.halfClose();
      call.request(request);
    }

    @Override
    public void onMessage(byte[] message) {
      messages.add(message);
    }

    @Override
    public void onClose(Status s, Metadata trailers) {
      status = s;
    }

    byte kind(int i) {
      return messages.get(i)[0];
    }

    /** Every event of every EVENTS message received so far, in order. */
    List<ChangeEvent> events() throws Wire.MalformedException {
      List<ChangeEvent> out = new ArrayList<>();
      for (byte[] m : messages) {
        Wire.In in = new Wire.In(m);
        if (in.b() == FeedService.EVENTS) {
          in.l();
          in.l();
          int n = in.count();
          for (int i = 0; i < n; i++) {
            out.add(Wire.readEvent(in));
          }
        }
      }
      return out;
    }

    @Override
    public void close() {
      call.cancel("test done", null);
      channel.shutdownNow();
    }
  }

  @Test
  void stream_heartbeatsAtOnce_pushesCommits_andEndsUnavailableWhenTheReplicaLosesItsLeader() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "mem", b -> b.feedLeaderLossBound(Duration.ofMillis(1500)))) {
      String leader = c.awaitLeader(Duration.ofSeconds(60));
      String follower = c.peers.keySet().stream().filter(id -> !id.equals(leader)).findFirst().orElseThrow();
      try (KvStore s = KvStores.open(c.uri()); Raw raw = new Raw(c.peers.get(follower), s.revision(), 1000)) {
        LocalCluster.poll(Duration.ofSeconds(10), "the first message", () -> !raw.messages.isEmpty());
        assertEquals(FeedService.HEARTBEAT, raw.kind(0));
        List<Long> revs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          revs.add(s.commit(Txn.builder().put(Bytes.utf8("k" + i), Bytes.utf8("v" + i)).build()).revision());
        }
        LocalCluster.poll(Duration.ofSeconds(10), "5 events", () -> {
          try {
            return raw.events().size() >= 5;
          } catch (Wire.MalformedException e) {
            throw new AssertionError(e);
          }
        });
        assertEquals(revs, raw.events().stream().map(ChangeEvent::revision).toList());
        LocalCluster.poll(Duration.ofSeconds(10), "an idle heartbeat",
            () -> raw.kind(raw.messages.size() - 1) == FeedService.HEARTBEAT && raw.messages.size() > 2);

        for (String id : c.peers.keySet()) {
          if (!id.equals(follower)) {
            c.stop(id);
          }
        }
        LocalCluster.poll(Duration.ofSeconds(30), "the stream to end", () -> raw.status != null);
        assertEquals(Status.Code.UNAVAILABLE, raw.status.getCode(), raw.status.toString());
        assertTrue(raw.status.getDescription().contains("without a working leader"), raw.status.toString());
      }
    }
  }

  @Test
  void slowSubscriber_isHeldBackByFlowControl_andGetsResyncOnceTheRingPassesIt() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, "mem", b -> b.feedBytes(256 << 10))) {
      c.awaitLeader(Duration.ofSeconds(60));
      try (KvStore s = KvStores.open(c.uri())) {
        long from = s.revision();
        String address = c.peers.values().iterator().next();
        try (Raw raw = new Raw(address, from, 1)) {
          LocalCluster.poll(Duration.ofSeconds(10), "the first message", () -> !raw.messages.isEmpty());
          byte[] big = new byte[16 << 10];
          long last = 0;
          for (int i = 0; i < 100; i++) {
            Txn.Builder t = Txn.builder();
            for (int k = 0; k < 4; k++) {
              t.put(Bytes.utf8("big/" + k), big);
            }
            last = s.commit(t.build()).revision();
          }
          // 6.4 MB committed; the subscriber asked for one message only: the rest waits (or is dropped).
          raw.call.request(Integer.MAX_VALUE);
          LocalCluster.poll(Duration.ofSeconds(30), "the stream to end", () -> raw.status != null);
          assertTrue(raw.status.isOk(), raw.status.toString());
          byte[] lastMessage = raw.messages.get(raw.messages.size() - 1);
          assertEquals(FeedService.RESYNC, lastMessage[0]);
          Wire.In in = new Wire.In(lastMessage);
          in.b();
          long resyncTo = in.l();
          assertTrue(resyncTo > from && resyncTo <= last, "resync to " + resyncTo);
          List<ChangeEvent> events = raw.events();
          for (int i = 1; i < events.size(); i++) {
            assertTrue(events.get(i).revision() > events.get(i - 1).revision(), "out of order at " + i);
          }
          long sent = events.stream().mapToLong(Wire::encodedSize).sum();
          assertTrue(sent < 4 << 20, "the server kept sending to a subscriber that asked for nothing: " + sent);
        }
      }
    }
  }
}
