package io.quorumfs.kv;

import java.net.URI;
import java.util.Set;

/**
 * Opens stores for some URI schemes. Registered through {@link java.util.ServiceLoader} in
 * {@code META-INF/services/io.quorumfs.kv.KvStoreProvider}; used by {@link KvStores#open}.
 */
public interface KvStoreProvider {

  /** The URI schemes this provider opens, lower case (e.g. {@code "rocks"}). */
  Set<String> schemes();

  /**
   * Opens the store named by {@code uri}.
   *
   * @throws IllegalArgumentException if the URI is malformed for this scheme; the message names the
   *     part that is wrong and what is expected
   * @throws KvException if the store cannot be opened (unreachable, unwritable, ...)
   */
  KvStore open(URI uri);

  /**
   * Opens the store named by the URI text. A scheme whose URIs {@link URI} cannot parse (several
   * hosts in one authority, such as {@code raft://[::1]:1,[::1]:2}) overrides this; others parse.
   *
   * @throws IllegalArgumentException as {@link #open(URI)}, and for text that is not a URI
   */
  default KvStore open(String uri) {
    try {
      // java.net.URI rejects an empty scheme-specific part, so a bare "mem:" is read as "mem:/".
      String text = uri.matches("[A-Za-z][A-Za-z0-9+.-]*:") ? uri + "/" : uri;
      return open(new URI(text));
    } catch (java.net.URISyntaxException e) {
      throw new IllegalArgumentException("malformed store URI '" + UriQuery.shown(uri) + "': " + e.getReason()
          + (e.getIndex() >= 0 ? " at position " + e.getIndex() : "")
          + " (in a URI, write a space as %20 and a % as %25)", e);
    }
  }
}
