package io.quorumfs.blob;

import io.quorumfs.kv.MemKvStore;

/** The multi-txn path: small parts and a small txn bound, as on a backend with an item limit. */
class MemKvBlobStoreSmallPartsTest extends BlobStoreContract {
  @Override
  protected BlobStore open(FakeClock clock) {
    return KvBlobStore.builder(new MemKvStore()).ownsKv(true).clock(clock).refreshAfter(REFRESH)
        .partSize(64 * 1024).maxTxnBytes(256 * 1024).build();
  }
}
