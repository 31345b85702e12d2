package io.quorumfs.kv;

import java.util.List;

/**
 * Every key changed by one commit, in the order of the txn's operations (a key written twice in
 * one txn appears once, with its final state).
 */
public record ChangeEvent(long revision, List<Change> changes) {

  public ChangeEvent {
    changes = List.copyOf(changes);
  }
}
