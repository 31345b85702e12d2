package io.quorumfs.blob;

import java.net.URI;

/** {@code http://host:port}: a client of a {@link BlobServer}. */
final class HttpBlobStore {
  private HttpBlobStore() {}

  static BlobStore open(URI uri) {
    throw new UnsupportedOperationException("http blob stores are not implemented yet: " + uri);
  }
}
