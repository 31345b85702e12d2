package io.quorumfs.meta;

/** The KV contract on raft:// with the older client-side batching through Ratis ({@code ?commit=client}). */
final class RaftKvStoreClientBatchContractTest extends RaftKvStoreContractTest {

  @Override
  protected String params() {
    return "?commit=client";
  }
}
