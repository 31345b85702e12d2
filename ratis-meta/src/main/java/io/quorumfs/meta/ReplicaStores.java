package io.quorumfs.meta;

import java.net.URI;
import java.nio.file.Path;

/** Opens a replica's own store from its URI: {@code mem:} or {@code rocks:///abs/path}. */
final class ReplicaStores {

  private ReplicaStores() {}

  static ReplicaStore open(String uri, int maxWatchValue) {
    if (uri.equals("mem:") || uri.startsWith("mem:/")) {
      return new MemReplicaStore(maxWatchValue);
    }
    URI u = URI.create(uri);
    String scheme = u.getScheme();
    if ("rocks".equals(scheme)) {
      String path = u.getPath();
      if (path == null || path.isEmpty()) {
        throw new IllegalArgumentException("replica store URI '" + uri + "' has no path; expected rocks:///absolute/dir");
      }
      return new RocksReplicaStore(Path.of(path), maxWatchValue);
    }
    throw new IllegalArgumentException("replica store URI '" + uri + "' has scheme '" + scheme
        + "'; a replica keeps its data in mem: or rocks:///dir");
  }
}
