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
    String q = uri.getRawQuery();
    if (q == null && uri.getSchemeSpecificPart() != null && uri.getSchemeSpecificPart().startsWith("?")) {
      q = uri.getSchemeSpecificPart().substring(1);
    }
    if (q != null && !q.isEmpty()) {
      for (String kv : q.split("&")) {
        int eq = kv.indexOf('=');
        String k = eq < 0 ? kv : kv.substring(0, eq);
        String v = eq < 0 ? "" : kv.substring(eq + 1);
        if (k.equals("history")) {
          try {
            history = Integer.parseInt(v);
          } catch (NumberFormatException e) {
            throw new IllegalArgumentException("mem: parameter 'history' must be a positive integer, got '" + v + "'");
          }
        } else {
          throw new IllegalArgumentException("mem: unknown parameter '" + k + "' in '" + uri + "'; known: history");
        }
      }
    }
    return new MemKvStore(history);
  }
}
