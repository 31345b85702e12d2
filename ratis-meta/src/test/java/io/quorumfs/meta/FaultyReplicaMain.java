package io.quorumfs.meta;

import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@link MetaServerMain} whose replica store fails one apply on demand, for fault tests in other
 * modules that run replicas as processes: the same arguments plus {@code --fail-when FILE}. Once
 * FILE exists, the next apply that writes data throws, as a disk write error would; the replica
 * then stops (fail-stop) and this process prints {@code STOPPED <why>} and exits with status 3.
 * Prints {@code READY <id> <address>} once it listens, like {@link MetaServerMain}.
 */
public final class FaultyReplicaMain {
  private FaultyReplicaMain() {}

  public static void main(String[] args) throws Exception {
    List<String> rest = new ArrayList<>(Arrays.asList(args));
    int at = rest.indexOf("--fail-when");
    if (at < 0 || at + 1 >= rest.size()) {
      System.err.println("usage: FaultyReplicaMain --fail-when FILE <MetaServerMain arguments>");
      System.exit(2);
    }
    Path trigger = Path.of(rest.remove(at + 1));
    rest.remove(at);
    MetaServerConfig config = MetaServerMain.parse(rest.toArray(String[]::new));
    MetaServer server = MetaServer.start(config, store -> new TriggeredFailure(store, trigger));
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "meta-shutdown"));
    System.out.println("READY " + config.id() + " " + config.address());
    System.out.flush();
    while (server.failure() == null || !server.isClosed()) {
      Thread.sleep(100); // polling interval: the replica reports its stop only through failure()
    }
    System.out.println("STOPPED " + server.failure());
    System.out.flush();
    Runtime.getRuntime().halt(3);
  }

  /** Fails the first data-writing apply after the trigger file appears, once. */
  private static final class TriggeredFailure implements ReplicaStore {
    private final ReplicaStore inner;
    private final Path trigger;
    private volatile boolean failed;

    TriggeredFailure(ReplicaStore inner, Path trigger) {
      this.inner = inner;
      this.trigger = trigger;
    }

    @Override public Applied applied() { return inner.applied(); }

    @Override
    public EntryResult apply(long term, long index, List<Txn> txns, SessionRows sessionRows) {
      if (!failed && !txns.isEmpty() && Files.exists(trigger)) {
        failed = true;
        throw new IllegalStateException("injected: the write of entry " + index + " failed");
      }
      return inner.apply(term, index, txns, sessionRows);
    }

    @Override public Map<UUID, byte[]> sessions() { return inner.sessions(); }
    @Override public void wipe(long term, long index) { inner.wipe(term, index); }
    @Override public List<Versioned> getAll(List<byte[]> keys) { return inner.getAll(keys); }
    @Override public ScanPage scan(KeyRange range, int limit, byte[] after, int maxBytes) {
      return inner.scan(range, limit, after, maxBytes);
    }
    @Override public void snapshotTo(Path d) throws IOException { inner.snapshotTo(d); }
    @Override public void restoreFrom(Path d) throws IOException { inner.restoreFrom(d); }
    @Override public Digest digest() { return inner.digest(); }
    @Override public String groupId() { return inner.groupId(); }
    @Override public void setGroupId(String groupId) { inner.setGroupId(groupId); }
    @Override public void close() { inner.close(); }
  }
}
