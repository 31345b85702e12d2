package io.quorumfs.blob;

import java.net.URI;
import java.util.Set;

/**
 * Opens blob stores for some URI schemes that the blob module itself does not know (e.g. {@code s3}
 * in blob-s3). Registered through {@link java.util.ServiceLoader} in
 * {@code META-INF/services/io.quorumfs.blob.BlobStoreProvider}; consulted by {@link BlobStores#open}
 * before the built-in schemes' fallback to a KvStore.
 */
public interface BlobStoreProvider {

  /** The URI schemes this provider opens, lower case (e.g. {@code "s3"}). */
  Set<String> schemes();

  /**
   * Opens the store named by {@code uri}; the store owns what it opens.
   *
   * @throws IllegalArgumentException if the URI is malformed for this scheme; the message names the
   *     part that is wrong and what is expected
   * @throws BlobException if the store cannot be opened (unreachable, no such bucket, access denied)
   */
  BlobStore open(URI uri);
}
