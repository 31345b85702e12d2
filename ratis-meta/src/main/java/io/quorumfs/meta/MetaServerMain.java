package io.quorumfs.meta;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;

/**
 * Starts one replica from the command line until the process is stopped (temporary, until
 * {@code quorumfs meta start} wraps {@link MetaServer}):
 *
 * <pre>
 * MetaServerMain --id n1 --peers n1=127.0.0.1:9861,n2=127.0.0.1:9862,n3=127.0.0.1:9863 \
 *     --dir /data/n1 [--store rocks:///data/n1/kv] [--group meta] [--snapshot-threshold N]
 *     [--group-commit maxTxns=N,maxBytes=N,lingerMicros=N,inflight=N,sessionIdleMillis=N]
 *     [--raft key=value]... [--tls keystore.p12,truststore.p12,PASSWORD_ENV]
 * </pre>
 *
 * Prints {@code READY <id> <address>} on stdout once the replica listens.
 */
public final class MetaServerMain {

  private MetaServerMain() {}

  public static void main(String[] args) throws Exception {
    MetaServerConfig config;
    try {
      config = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("error: " + e.getMessage());
      System.err.println("usage: MetaServerMain --id n1 --peers n1=host:port,... --dir DIR [--store URI]"
          + " [--group NAME] [--snapshot-threshold N] [--feed-leader-loss-ms MS] [--group-commit inflight=N,...] [--raft key=value]...");
      System.exit(2);
      return;
    }
    MetaServer server;
    try {
      server = MetaServer.start(config);
    } catch (IllegalStateException e) {
      System.err.println("error: " + e.getMessage());
      System.exit(1);
      return;
    }
    CountDownLatch stop = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      stop.countDown();
    }, "meta-shutdown"));
    System.out.println("READY " + config.id() + " " + config.address());
    System.out.flush();
    Thread failStop = new Thread(() -> {
      try {
        RuntimeException why = server.awaitFailStop();
        System.err.println("error: replica " + config.id() + " stopped: its store failed: " + why);
        System.err.flush();
        Runtime.getRuntime().halt(3); // not exit(): the shutdown hook would wait on a closed server
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "meta-fail-stop-exit");
    failStop.setDaemon(true);
    failStop.start();
    stop.await();
  }

  static MetaServerConfig parse(String[] args) {
    MetaServerConfig.Builder b = MetaServerConfig.builder();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("option " + a + " needs a value");
      }
      String v = args[++i];
      switch (a) {
        case "--id" -> b.id(v);
        case "--peers" -> b.peers(v);
        case "--dir" -> b.storageDir(Path.of(v));
        case "--store" -> b.storeUri(v);
        case "--group" -> b.group(v);
        case "--snapshot-threshold" -> b.snapshotThreshold(Long.parseLong(v));
        case "--feed-leader-loss-ms" -> b.feedLeaderLossBound(Duration.ofMillis(Long.parseLong(v)));
        case "--group-commit" -> b.groupCommit(MetaServerConfig.GroupCommit.DEFAULTS.with(v));
        case "--tls" -> {
          // --tls keystore.p12,truststore.p12,PASSWORD_ENV_VAR
          String[] t = v.split(",");
          if (t.length != 3 || System.getenv(t[2]) == null) {
            throw new IllegalArgumentException("--tls takes keystore,truststore,PASSWORD_ENV (a set variable), got '" + v + "'");
          }
          b.tls(Path.of(t[0]), Path.of(t[1]), System.getenv(t[2]));
        }
        case "--raft" -> {
          int eq = v.indexOf('=');
          if (eq <= 0) {
            throw new IllegalArgumentException("--raft takes key=value, got '" + v + "'");
          }
          b.raftProperty(v.substring(0, eq), v.substring(eq + 1));
        }
        default -> throw new IllegalArgumentException("unknown option " + a);
      }
    }
    return b.build();
  }
}
