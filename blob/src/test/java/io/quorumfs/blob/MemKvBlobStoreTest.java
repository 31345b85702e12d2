package io.quorumfs.blob;

import io.quorumfs.kv.MemKvStore;

class MemKvBlobStoreTest extends BlobStoreContract {
  @Override
  protected BlobStore open(FakeClock clock) {
    return KvBlobStore.builder(new MemKvStore()).ownsKv(true).clock(clock).refreshAfter(REFRESH).build();
  }
}
