package io.quorumfs.kv;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;

/** Opens a {@link KvStore} by URI, choosing the backend by scheme through {@link ServiceLoader}. */
public final class KvStores {

  private static final java.util.regex.Pattern SCHEME =
      java.util.regex.Pattern.compile("([A-Za-z][A-Za-z0-9+.-]*):.*", java.util.regex.Pattern.DOTALL);

  private KvStores() {}

  /** Opens the store named by {@code uri} (its provider parses it); see {@link #open(URI)}. */
  public static KvStore open(String uri) {
    java.util.regex.Matcher m = SCHEME.matcher(uri);
    if (!m.matches()) {
      throw new IllegalArgumentException("store URI '" + UriQuery.shown(uri) + "' has no scheme; known schemes: "
          + providers().keySet());
    }
    return provider(m.group(1), uri).open(uri);
  }

  /**
   * Opens the store named by {@code uri}, e.g. {@code mem:}, {@code rocks:///var/lib/quorumfs/meta},
   * {@code redis://127.0.0.1:6379/0}.
   *
   * @throws IllegalArgumentException if the scheme is missing or unknown (the message lists the
   *     known schemes) or the provider finds the URI malformed
   */
  public static KvStore open(URI uri) {
    String scheme = uri.getScheme();
    if (scheme == null) {
      throw new IllegalArgumentException("store URI '" + uri + "' has no scheme; known schemes: "
          + providers().keySet());
    }
    return provider(scheme, uri.toString()).open(uri);
  }

  private static KvStoreProvider provider(String scheme, String uri) {
    Map<String, KvStoreProvider> providers = providers();
    KvStoreProvider p = providers.get(scheme.toLowerCase(Locale.ROOT));
    if (p == null) {
      throw new IllegalArgumentException("unknown store scheme '" + scheme + "' in '" + UriQuery.shown(uri)
          + "'; known schemes: " + providers.keySet()
          + " (a backend module missing from the classpath also causes this)");
    }
    return p;
  }

  /** Every scheme on the classpath, with its provider, in name order. */
  public static Map<String, KvStoreProvider> providers() {
    Map<String, KvStoreProvider> out = new TreeMap<>();
    for (KvStoreProvider p : ServiceLoader.load(KvStoreProvider.class, KvStores.class.getClassLoader())) {
      for (String s : p.schemes()) {
        out.putIfAbsent(s.toLowerCase(Locale.ROOT), p);
      }
    }
    return out;
  }
}
