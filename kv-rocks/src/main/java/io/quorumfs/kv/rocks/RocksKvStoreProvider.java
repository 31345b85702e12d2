package io.quorumfs.kv.rocks;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStoreProvider;
import io.quorumfs.kv.UriQuery;
import java.net.URI;
import java.nio.file.Path;
import java.util.Set;

/**
 * Opens {@code rocks:} URIs: {@code rocks:///absolute/path?params}, {@code rocks:/absolute/path},
 * or a path relative to the working directory as {@code rocks://relative/path} or
 * {@code rocks:relative/path}. Parameters: see {@link RocksOptions}.
 */
public final class RocksKvStoreProvider implements KvStoreProvider {

  @Override
  public Set<String> schemes() {
    return Set.of("rocks");
  }

  @Override
  public KvStore open(URI uri) {
    return RocksKvStore.open(pathOf(uri), RocksOptions.parse(UriQuery.of(uri)));
  }

  static Path pathOf(URI uri) {
    String path;
    if (uri.isOpaque()) {
      String ssp = uri.getSchemeSpecificPart();
      int q = ssp.indexOf('?');
      path = q < 0 ? ssp : ssp.substring(0, q);
    } else {
      String auth = uri.getAuthority();
      String p = uri.getPath() == null ? "" : uri.getPath();
      path = auth == null || auth.isEmpty() ? p : auth + p;
    }
    if (path.isEmpty() || path.equals("/")) {
      throw new IllegalArgumentException("rocks:// URI '" + uri + "' has no directory path; expected e.g. "
          + "rocks:///var/lib/quorumfs/meta or rocks://relative/dir");
    }
    return Path.of(path);
  }
}
