package io.quorumfs.meta;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

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
    MetaServer server = MetaServer.start(config, store -> new FailingReplicaStore(store, () -> Files.exists(trigger)));
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "meta-shutdown"));
    System.out.println("READY " + config.id() + " " + config.address());
    System.out.flush();
    RuntimeException why = server.awaitFailStop();
    System.out.println("STOPPED " + why);
    System.out.flush();
    Runtime.getRuntime().halt(3);
  }
}
