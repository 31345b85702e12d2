package io.quorumfs.blob;

import java.net.InetSocketAddress;
import java.util.concurrent.CountDownLatch;

/**
 * Temporary entry point until the CLI's {@code quorumfs blob start}:
 * <pre>
 *   java io.quorumfs.blob.BlobServerMain --store rocks:///data/blobs --listen 127.0.0.1:9300 \
 *        [--max-blob BYTES] [--threads N]
 * </pre>
 * The bearer token, if any, comes from the environment variable {@code QUORUMFS_BLOB_TOKEN} (never
 * from the command line, where other users could read it). Runs until killed.
 */
public final class BlobServerMain {

  private BlobServerMain() {}

  public static void main(String[] args) throws Exception {
    String store = null;
    String listen = "127.0.0.1:9300";
    int maxBlob = 16 << 20;
    int threads = 16;
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (i + 1 >= args.length && a.startsWith("--")) {
        usage("option " + a + " needs a value");
      }
      switch (a) {
        case "--store":
          store = args[++i];
          break;
        case "--listen":
          listen = args[++i];
          break;
        case "--max-blob":
          maxBlob = Integer.parseInt(args[++i]);
          break;
        case "--threads":
          threads = Integer.parseInt(args[++i]);
          break;
        default:
          usage("unknown argument '" + a + "'");
      }
    }
    if (store == null) {
      usage("--store is required");
    }
    int colon = listen.lastIndexOf(':');
    if (colon <= 0) {
      usage("--listen must be host:port, got '" + listen + "'");
    }
    InetSocketAddress addr = new InetSocketAddress(listen.substring(0, colon), Integer.parseInt(listen.substring(colon + 1)));
    BlobStore blobs = BlobStores.open(store);
    BlobServer server = BlobServer.builder(blobs).listen(addr).maxBlobBytes(maxBlob).threads(threads)
        .token(System.getenv("QUORUMFS_BLOB_TOKEN")).start();
    System.out.println("blob server for " + store + " listening on " + server.uri());
    CountDownLatch done = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.close();
      blobs.close();
      done.countDown();
    }, "blob-server-shutdown"));
    done.await();
  }

  private static void usage(String problem) {
    System.err.println("BlobServerMain: " + problem);
    System.err.println("usage: BlobServerMain --store URI [--listen host:port] [--max-blob BYTES] [--threads N]");
    System.err.println("       (bearer token from the environment variable QUORUMFS_BLOB_TOKEN)");
    System.exit(2);
  }
}
