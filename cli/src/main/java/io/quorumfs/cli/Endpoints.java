package io.quorumfs.cli;

import io.quorumfs.cli.config.Config;
import io.quorumfs.cli.config.ConfigKey;
import io.quorumfs.cli.config.ConfigKeys;
import io.quorumfs.kv.UriQuery;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/** Finds the stores a client command talks to: config/options first, else a running `up`. */
final class Endpoints {

  private Endpoints() {}

  /**
   * The metadata URI, with meta.group (when not the default and not in the URI) and, with
   * tls.enabled, the TLS parameters added for raft:// URIs.
   */
  static String metaUri(Config cfg) {
    String uri = find(cfg, ConfigKeys.META_URI, "meta.uri",
        "--meta raft://host:port,host:port,host:port");
    String group = cfg.get(ConfigKeys.META_GROUP);
    if (uri.startsWith("raft://") && Parts.queryParam(uri, "group").isEmpty()
        && !Parts.DEFAULT_GROUP.equals(group)) {
      uri = UriQuery.with(uri, "group", group);
    }
    return TlsOptions.metaUri(uri, TlsOptions.settings(cfg));
  }

  /** The blob URI; with tls.enabled an http:// URI becomes https:// with the TLS parameters. */
  static String blobUri(Config cfg) {
    return TlsOptions.blobUri(find(cfg, ConfigKeys.BLOB_URI, "blob.uri",
        "--blob http://host:7480 (or file:///dir)"), TlsOptions.settings(cfg));
  }

  /** A URI for printing: the query parameters (TLS file paths, tokens) left out. */
  static String shown(String uri) {
    int q = uri.indexOf('?');
    return q < 0 ? uri : UriQuery.shown(uri) + Parts.queryParam(uri, "group")
        .map(g -> "?group=" + UriQuery.encode(g)).orElse("");
  }

  private static String find(Config cfg, ConfigKey key, String stateKey, String example) {
    if (cfg.find(key).isPresent()) {
      return cfg.get(key);
    }
    Path dataDir = cfg.path(ConfigKeys.DATA_DIR);
    return UpState.running(dataDir, stateKey).orElseThrow(() -> new CommandFailedException(
        "no " + key.name() + " given and no running 'quorumfs up' found in " + dataDir
            + "; pass " + example + ", set " + key.name() + " in the config file, or "
            + key.envName(), ExitCode.USAGE, null));
  }

  private static final java.util.Set<Integer> HANDED_OUT = java.util.concurrent.ConcurrentHashMap.newKeySet();

  /**
   * A port that was free a moment ago on 127.0.0.1 and not handed out before by this process (a
   * port just released can come back from the next bind of port 0, e.g. for the next replica).
   */
  static int freePort() {
    for (int attempt = 0; ; attempt++) {
      try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        int port = s.getLocalPort();
        if (HANDED_OUT.add(port) || attempt >= 20) {
          return port;
        }
      } catch (IOException e) {
        throw new CommandFailedException("cannot find a free port on 127.0.0.1: " + e.getMessage(), e);
      }
    }
  }

  static boolean portFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether {@code dir} is a mount point now (an entry of /proc/mounts). */
  static boolean isMounted(Path dir) {
    try {
      String want = dir.toAbsolutePath().normalize().toString();
      for (String line : Files.readAllLines(Path.of("/proc/mounts"))) {
        String[] f = line.split(" ");
        if (f.length > 1 && f[1].replace("\\040", " ").equals(want)) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      return false;
    }
  }
}
