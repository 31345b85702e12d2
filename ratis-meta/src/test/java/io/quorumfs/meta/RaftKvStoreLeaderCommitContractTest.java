package io.quorumfs.meta;

/** The KV contract on raft:// with leader-side group commit ({@code ?commit=leader}). */
final class RaftKvStoreLeaderCommitContractTest extends RaftKvStoreContractTest {

  @Override
  protected String params() {
    return "?commit=leader";
  }
}
