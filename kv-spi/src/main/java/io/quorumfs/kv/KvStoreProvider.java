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
}
