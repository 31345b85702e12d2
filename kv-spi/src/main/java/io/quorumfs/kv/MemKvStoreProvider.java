package io.quorumfs.kv;

import java.net.URI;
import java.util.Set;

/** Opens {@code mem:} and {@code mem:?history=N} (each open is a new, empty store). */
public final class MemKvStoreProvider implements KvStoreProvider {

  @Override
  public Set<String> schemes() {
    return Set.of("mem");
  }

  @Override
  public KvStore open(URI uri) {
    int history = MemKvStore.DEFAULT_HISTORY;
    UriQuery q = UriQuery.of(uri).requireKnown("mem:", Set.of("history"));
    String v = q.get("history", null);
    if (v != null) {
      try {
        history = Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("mem: parameter 'history' must be a positive integer, got '" + v + "'");
      }
    }
    return new MemKvStore(history);
  }
}
