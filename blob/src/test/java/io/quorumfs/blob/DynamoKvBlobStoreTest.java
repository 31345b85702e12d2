package io.quorumfs.blob;

import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.dynamo.DynamoLocalExtension;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * KvBlobStore over DynamoDB Local (in-process), each test in a fresh table. DynamoDB has no
 * LARGE_VALUES and at most 97 entries per txn, so blobs are stored in 256 KiB parts and larger
 * blobs take several txns: this runs the multi-txn put path against a real backend.
 */
class DynamoKvBlobStoreTest extends BlobStoreContract {
  @RegisterExtension
  static final DynamoLocalExtension DYNAMO = new DynamoLocalExtension();

  @Override
  protected BlobStore open(FakeClock clock) {
    return KvBlobStore.builder(KvStores.open(DYNAMO.newStoreUri())).ownsKv(true).clock(clock).refreshAfter(REFRESH).build();
  }
}
