package io.quorumfs.cli;

import io.quorumfs.cli.config.Config;
import io.quorumfs.cli.config.ConfigException;
import io.quorumfs.cli.config.ConfigKey;
import io.quorumfs.cli.config.ConfigKeys;
import io.quorumfs.kv.UriQuery;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import picocli.CommandLine.Option;

/**
 * Mutual-TLS options shared by servers (meta start, blob start) and clients (mount, status, fsck,
 * gc, meta add-peer/remove-peer). Certificates are PKCS12 files: a key store with this process's
 * key and certificate chain, a trust store with the CA certificate(s) it accepts; one password,
 * read from an environment variable (never from the command line or the config file).
 */
final class TlsOptions {

  @Option(names = "--tls", description = "Use mutual TLS (config key tls.enabled; default off).")
  boolean tls;

  @Option(names = "--tls-key-store", paramLabel = "P12",
      description = "PKCS12 file with this process's private key and certificate chain (config "
          + "key tls.key-store).")
  String keyStore;

  @Option(names = "--tls-trust-store", paramLabel = "P12",
      description = "PKCS12 file with the CA certificate(s) the other side must be signed by "
          + "(config key tls.trust-store).")
  String trustStore;

  @Option(names = "--tls-password-env", paramLabel = "VAR",
      description = "Environment variable holding the password of both stores (config key "
          + "tls.password-env; default QUORUMFS_TLS_PASSWORD).")
  String passwordEnv;

  Config.Builder apply(Config.Builder b) {
    return b.option(ConfigKeys.TLS_ENABLED, tls ? "true" : null, "--tls")
        .option(ConfigKeys.TLS_KEY_STORE, keyStore, "--tls-key-store")
        .option(ConfigKeys.TLS_TRUST_STORE, trustStore, "--tls-trust-store")
        .option(ConfigKeys.TLS_PASSWORD_ENV, passwordEnv, "--tls-password-env");
  }

  /**
   * The TLS files of a config with tls.enabled, checked: both stores set and readable, the
   * password variable set.
   *
   * @param password the password itself (for in-process servers); clients pass passwordEnv on
   */
  record Settings(Path keyStore, Path trustStore, String passwordEnv, String password) {

    /** {@code uri} with the TLS parameters the raft:// and https:// clients read appended. */
    String decorate(String uri) {
      if (UriQuery.of(uri).get("tlsKeyStore").isPresent()) {
        return uri;
      }
      String u = UriQuery.with(uri, "tlsKeyStore", keyStore.toAbsolutePath().toString());
      u = UriQuery.with(u, "tlsTrustStore", trustStore.toAbsolutePath().toString());
      return UriQuery.with(u, "tlsPasswordEnv", passwordEnv);
    }
  }

  /** The checked TLS settings when tls.enabled is true, else empty. */
  static Optional<Settings> settings(Config cfg) {
    if (!cfg.bool(ConfigKeys.TLS_ENABLED)) {
      return Optional.empty();
    }
    Path[] files = new Path[2];
    ConfigKey[] keys = {ConfigKeys.TLS_KEY_STORE, ConfigKeys.TLS_TRUST_STORE};
    for (int i = 0; i < keys.length; i++) {
      ConfigKey k = keys[i];
      if (cfg.find(k).isEmpty()) {
        throw new ConfigException("config error: tls.enabled is true but " + k.name()
            + " is not set; allowed: " + k.type().allowed());
      }
      Path p = cfg.path(k);
      if (!Files.isReadable(p)) {
        throw new ConfigException("config error in " + cfg.source(k) + ": key '" + k.name()
            + "' has bad value '" + p + "' (not a readable file); allowed: " + k.type().allowed());
      }
      files[i] = p;
    }
    String var = cfg.get(ConfigKeys.TLS_PASSWORD_ENV);
    String password = System.getenv(var);
    if (password == null) {
      throw new ConfigException("config error in " + cfg.source(ConfigKeys.TLS_PASSWORD_ENV)
          + ": key '" + ConfigKeys.TLS_PASSWORD_ENV.name() + "' has bad value '" + var
          + "' (the environment variable " + var + " is not set); allowed: "
          + ConfigKeys.TLS_PASSWORD_ENV.type().allowed() + " that is set");
    }
    return Optional.of(new Settings(files[0], files[1], var, password));
  }

  /** The blob URI with TLS applied: http:// becomes https:// and the TLS parameters are added. */
  static String blobUri(String uri, Optional<Settings> tls) {
    if (tls.isEmpty() || !(uri.startsWith("http://") || uri.startsWith("https://"))) {
      return uri;
    }
    String u = uri.startsWith("http://") ? "https://" + uri.substring("http://".length()) : uri;
    return tls.get().decorate(u);
  }

  /** The metadata URI with TLS applied (raft:// only; local stores have no connection). */
  static String metaUri(String uri, Optional<Settings> tls) {
    return tls.isPresent() && uri.startsWith("raft://") ? tls.get().decorate(uri) : uri;
  }
}
