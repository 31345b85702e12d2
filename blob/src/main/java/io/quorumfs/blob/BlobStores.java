package io.quorumfs.blob;

import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.UriQuery;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.ServiceLoader;

/**
 * Opens a {@link BlobStore} by URI:
 * <ul>
 *   <li>{@code file:///path} - a directory ({@link DirBlobStore}), the embedded default;
 *       {@code ?refresh=SECONDS} sets the stamp refresh interval (default 3600; the GC grace
 *       must exceed it);</li>
 *   <li>{@code http://host:port} - a blob server ({@link BlobServer}); a bearer token is taken from
 *       the {@code QUORUMFS_BLOB_TOKEN} environment variable or a {@code ?token=} parameter;</li>
 *   <li>a scheme of a {@link BlobStoreProvider} on the classpath (blob-s3: {@code s3://bucket/prefix});</li>
 *   <li>any other scheme - a {@link io.quorumfs.kv.KvStore} opened with {@link KvStores#open}
 *       (mem:, rocks://, redis://, dynamodb://, raft://) holding blobs ({@link KvBlobStore}).</li>
 * </ul>
 * The returned store owns what it opened: closing it closes the KvStore or HTTP client.
 */
public final class BlobStores {

  private BlobStores() {}

  public static BlobStore open(String uri) {
    try {
      // java.net.URI rejects an empty scheme-specific part, so a bare "mem:" is read as "mem:/".
      return open(new URI(uri.matches("[A-Za-z][A-Za-z0-9+.-]*:") ? uri + "/" : uri));
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("malformed blob store URI '" + UriQuery.shown(uri) + "': " + e.getReason()
          + " (in a URI, write a space as %20 and a % as %25)", e);
    }
  }

  /**
   * @throws IllegalArgumentException if the URI is malformed or its scheme unknown
   * @throws BlobException if the store cannot be opened
   */
  public static BlobStore open(URI uri) {
    String scheme = uri.getScheme();
    if (scheme == null) {
      throw new IllegalArgumentException("blob store URI '" + uri + "' has no scheme; expected file:///path,"
          + " http://host:port, or a KV store URI such as rocks:///path");
    }
    switch (scheme.toLowerCase(Locale.ROOT)) {
      case "file":
        if (uri.getPath() == null || uri.getPath().isEmpty()) {
          throw new IllegalArgumentException("file blob store URI '" + uri + "' has no path; expected file:///path");
        }
        return DirBlobStore.open(Path.of(uri.getPath()), java.time.Clock.systemUTC(), fileRefresh(uri));
      case "http":
      case "https":
        return HttpBlobStore.open(uri);
      default:
        BlobStoreProvider provider = provider(scheme.toLowerCase(Locale.ROOT));
        if (provider != null) {
          return provider.open(uri);
        }
        return KvBlobStore.builder(KvStores.open(uri)).ownsKv(true).name(uri.toString()).build();
    }
  }

  /** The {@code refresh} parameter of a file:// URI (seconds), one hour if absent. */
  private static java.time.Duration fileRefresh(URI uri) {
    java.time.Duration refresh = java.time.Duration.ofHours(1);
    for (java.util.Map.Entry<String, String> param : UriQuery.of(uri).asMap().entrySet()) {
      if (!param.getKey().equals("refresh")) {
        throw new IllegalArgumentException("file blob store URI '" + UriQuery.shown(uri.toString())
            + "' has unknown parameter '" + param.getKey() + "'; allowed: refresh=SECONDS");
      }
      try {
        refresh = java.time.Duration.ofSeconds(Long.parseLong(param.getValue()));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("file blob store URI '" + UriQuery.shown(uri.toString())
            + "': refresh takes a number of seconds, got '" + param.getValue() + "'", e);
      }
      if (refresh.isNegative()) {
        throw new IllegalArgumentException("file blob store URI '" + UriQuery.shown(uri.toString())
            + "': refresh must be >= 0");
      }
    }
    return refresh;
  }

  private static BlobStoreProvider provider(String scheme) {
    for (BlobStoreProvider p : ServiceLoader.load(BlobStoreProvider.class, BlobStores.class.getClassLoader())) {
      if (p.schemes().contains(scheme)) {
        return p;
      }
    }
    return null;
  }
}
