package io.quorumfs.cli.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigTest {

  @TempDir
  Path tmp;

  private Path yaml(String text) throws IOException {
    Path f = tmp.resolve("quorumfs.yaml");
    Files.writeString(f, text);
    return f;
  }

  private String error(Runnable r) {
    return assertThrows(ConfigException.class, r::run).getMessage();
  }

  @Test
  void defaults_areTheDocumentedOnes() {
    Config c = Config.defaults();
    assertEquals(Long.toString(64L << 20), c.get(ConfigKeys.MOUNT_CACHE_SIZE));
    assertEquals("3", c.get(ConfigKeys.UP_REPLICAS));
    assertEquals(false, c.bool(ConfigKeys.MOUNT_WRITE_BACK));
    assertEquals("default", c.source(ConfigKeys.UP_REPLICAS));
    assertTrue(c.find(ConfigKeys.META_URI).isEmpty());
    assertEquals(Path.of(System.getProperty("user.home"), ".local/share/quorumfs"),
        c.path(ConfigKeys.DATA_DIR));
  }

  @Test
  void file_nestedKeys_areRead_andNormalised() throws IOException {
    Config c = Config.builder().file(yaml("""
        data-dir: /srv/q
        mount:
          cache-size: 2GiB
          write-back: yes
        log:
          level: debug
        meta:
          peers: [n1=a:1, n2=b:2]
        """)).build();
    assertEquals("/srv/q", c.get(ConfigKeys.DATA_DIR));
    assertEquals(Long.toString(2L << 30), c.get(ConfigKeys.MOUNT_CACHE_SIZE));
    assertTrue(c.bool(ConfigKeys.MOUNT_WRITE_BACK));
    assertEquals("DEBUG", c.get(ConfigKeys.LOG_LEVEL));
    assertEquals("n1=a:1,n2=b:2", c.get(ConfigKeys.META_PEERS));
    assertTrue(c.source(ConfigKeys.DATA_DIR).contains("quorumfs.yaml"));
  }

  @Test
  void precedence_optionOverEnvOverFile() throws IOException {
    Path f = yaml("mount:\n  cache-size: 1MiB\n  write-back: false\nup:\n  replicas: 5\n");
    Config c = Config.builder().file(f)
        .env(Map.of("QUORUMFS_MOUNT_CACHE_SIZE", "2MiB", "QUORUMFS_UP_REPLICAS", "1",
            "QUORUMFS_JAVA_OPTS", "-Xss1m", "PATH", "/bin"))
        .option(ConfigKeys.MOUNT_CACHE_SIZE, "3MiB", "--cache-size")
        .option(ConfigKeys.MOUNT_WRITE_BACK, null, "--write-back")
        .build();
    assertEquals(Long.toString(3L << 20), c.get(ConfigKeys.MOUNT_CACHE_SIZE));
    assertEquals("option --cache-size", c.source(ConfigKeys.MOUNT_CACHE_SIZE));
    assertEquals("1", c.get(ConfigKeys.UP_REPLICAS));
    assertEquals("environment variable QUORUMFS_UP_REPLICAS", c.source(ConfigKeys.UP_REPLICAS));
    assertEquals("false", c.get(ConfigKeys.MOUNT_WRITE_BACK));
  }

  @Test
  void unknownKeyInFile_namesKeyValueSuggestionAndKnownKeys() throws IOException {
    Path f = yaml("mount:\n  cahce-size: 2GiB\n");
    String m = error(() -> Config.builder().file(f));
    assertEquals("config error in config file " + f + ": unknown key 'mount.cahce-size' (value "
        + "'2GiB'); did you mean 'mount.cache-size'; known keys: "
        + String.join(", ", ConfigKeys.all().keySet()), m);
  }

  @Test
  void unknownKeyFarFromAnyKnown_hasNoSuggestion() throws IOException {
    Path f = yaml("colour: blue\n");
    String m = error(() -> Config.builder().file(f));
    assertTrue(m.startsWith("config error in config file " + f + ": unknown key 'colour' (value "
        + "'blue'); known keys: data-dir, "), m);
  }

  @Test
  void badSize_namesKeyValueAndAllowed() throws IOException {
    Path f = yaml("mount:\n  cache-size: lots\n");
    assertEquals("config error in config file " + f + ": key 'mount.cache-size' has bad value "
        + "'lots' (not a size); allowed: a size such as 4096, 512MiB or 2GiB",
        error(() -> Config.builder().file(f)));
  }

  @Test
  void writeBackSettings_haveDefaults_andABadDiskCacheSizeIsNamed() throws IOException {
    Config defaults = Config.builder().env(Map.of()).build();
    assertEquals(4L << 30, defaults.number(ConfigKeys.MOUNT_DISK_CACHE_SIZE));
    assertEquals(60, defaults.number(ConfigKeys.MOUNT_BLOB_WAIT));
    Path f = yaml("mount:\n  disk-cache-size: -1GiB\n");
    assertTrue(error(() -> Config.builder().file(f)).startsWith("config error in config file " + f
        + ": key 'mount.disk-cache-size' has bad value '-1GiB'"), error(() -> Config.builder().file(f)));
  }

  @Test
  void badUnit_isNamed() throws IOException {
    Path f = yaml("mount:\n  cache-size: 2XB\n");
    assertTrue(error(() -> Config.builder().file(f)).contains("(unknown unit 'xb')"));
  }

  @Test
  void badBoolean() throws IOException {
    Path f = yaml("mount:\n  write-back: maybe\n");
    assertEquals("config error in config file " + f + ": key 'mount.write-back' has bad value "
        + "'maybe' (not a boolean); allowed: true or false", error(() -> Config.builder().file(f)));
  }

  @Test
  void intOutOfRange() throws IOException {
    Path f = yaml("up:\n  replicas: 9\n");
    assertEquals("config error in config file " + f + ": key 'up.replicas' has bad value '9' "
        + "(out of range); allowed: an integer from 1 to 7", error(() -> Config.builder().file(f)));
  }

  @Test
  void notAnInteger() throws IOException {
    Path f = yaml("up:\n  replicas: three\n");
    assertTrue(error(() -> Config.builder().file(f)).contains("has bad value 'three' (not an "
        + "integer); allowed: an integer from 1 to 7"));
  }

  @Test
  void badChoice() throws IOException {
    Path f = yaml("log:\n  level: LOUD\n");
    assertEquals("config error in config file " + f + ": key 'log.level' has bad value 'LOUD' "
        + "(not an allowed value); allowed: one of TRACE, DEBUG, INFO, WARN, ERROR",
        error(() -> Config.builder().file(f)));
  }

  @Test
  void ipv6Addresses_inBrackets() throws IOException {
    Path f = yaml("metrics:\n  listen: \"[::1]:9100\"\nmeta:\n  uri: raft://[::1]:9871,[::1]:9872,[::1]:9873?group=v\n");
    Config c = Config.builder().file(f).build();
    assertEquals("[::1]:9100", c.get(ConfigKeys.METRICS_LISTEN));
    assertEquals("raft://[::1]:9871,[::1]:9872,[::1]:9873?group=v", c.get(ConfigKeys.META_URI));
    Path g = yaml("metrics:\n  listen: \"::1:9100\"\n");
    assertTrue(error(() -> Config.builder().file(g)).contains(
        "an IPv6 address is written in brackets, e.g. [::1]:9100"), error(() -> Config.builder().file(g)));
    Path h = yaml("meta:\n  uri: raft://::1:9871,::1:9872\n");
    assertTrue(error(() -> Config.builder().file(h)).contains("e.g. [::1]:9871"),
        error(() -> Config.builder().file(h)));
  }

  @Test
  void uriParameters_arePercentDecoded_andBadOnesNameTheFix() throws IOException {
    Path f = yaml("meta:\n  uri: \"rocks:///var/lib/q?cache=1m&cache=2m\"\n");
    assertTrue(error(() -> Config.builder().file(f)).contains(
        "(parameter 'cache' is given twice in 'rocks:///var/lib/q'; give it once)"), error(() -> Config.builder().file(f)));
    Path g = yaml("meta:\n  uri: \"raft://[::1]:9871?tlsKeyStore=/my keys/100%.p12\"\n");
    assertTrue(error(() -> Config.builder().file(g)).contains(
        "is not a percent-escape; write a % as %25 (and a space as %20)"), error(() -> Config.builder().file(g)));
    Path h = yaml("blob:\n  uri: \"http://[::1]:7480?tlsKeyStore=/my keys/k.p12\"\n");
    assertTrue(error(() -> Config.builder().file(h)).contains("(in a URI, write a space as %20 and a % as %25)"),
        error(() -> Config.builder().file(h)));
    Path ok = yaml("meta:\n  uri: \"raft://[::1]:9871?tlsKeyStore=/my%20keys/100%25.p12\"\n");
    assertEquals("raft://[::1]:9871?tlsKeyStore=/my%20keys/100%25.p12", Config.builder().file(ok).build()
        .get(ConfigKeys.META_URI));
  }

  @Test
  void badHostPort() throws IOException {
    Path f = yaml("metrics:\n  listen: 9100\n");
    assertEquals("config error in config file " + f + ": key 'metrics.listen' has bad value '9100' "
        + "('9100' is not host:port); allowed: host:port, e.g. 127.0.0.1:9100 or [::1]:9100 (port 0 picks a free port)",
        error(() -> Config.builder().file(f)));
    Path g = yaml("metrics:\n  listen: localhost:99999\n");
    assertTrue(error(() -> Config.builder().file(g)).contains("(port of 'localhost:99999' is not 0..65535)"));
  }

  @Test
  void badUriScheme() throws IOException {
    Path f = yaml("meta:\n  uri: zk://a:1\n");
    assertEquals("config error in config file " + f + ": key 'meta.uri' has bad value 'zk://a:1' "
        + "(unsupported scheme 'zk'); allowed: a URI with scheme raft:, rocks:, mem:, redis:, "
        + "dynamodb:", error(() -> Config.builder().file(f)));
    Path g = yaml("blob:\n  uri: /var/blobs\n");
    assertTrue(error(() -> Config.builder().file(g)).contains("(no scheme)"));
  }

  @Test
  void unknownEnvironmentVariable_isAnError() {
    String m = error(() -> Config.builder().env(Map.of("QUORUMFS_MOUNT_CACHE_SIZ", "1")));
    assertTrue(m.startsWith("config error in environment variable QUORUMFS_MOUNT_CACHE_SIZ: unknown "
        + "variable (value '1'); did you mean 'QUORUMFS_MOUNT_CACHE_SIZE'; known variables: "
        + "QUORUMFS_DATA_DIR, "), m);
  }

  @Test
  void badEnvironmentValue() {
    assertEquals("config error in environment variable QUORUMFS_MOUNT_WRITE_BACK: key "
        + "'mount.write-back' has bad value 'sometimes' (not a boolean); allowed: true or false",
        error(() -> Config.builder().env(Map.of("QUORUMFS_MOUNT_WRITE_BACK", "sometimes"))));
  }

  @Test
  void badOptionValue() {
    assertEquals("config error in option --replicas: key 'up.replicas' has bad value '0' "
        + "(out of range); allowed: an integer from 1 to 7",
        error(() -> Config.builder().option(ConfigKeys.UP_REPLICAS, "0", "--replicas")));
  }

  @Test
  void missingFile() {
    Path f = tmp.resolve("nope.yaml");
    assertEquals("config error: config file " + f + " does not exist",
        error(() -> Config.builder().file(f)));
  }

  @Test
  void invalidYaml() throws IOException {
    Path f = yaml("mount: [unclosed\n");
    assertTrue(error(() -> Config.builder().file(f))
        .startsWith("config error in config file " + f + ": not valid YAML: "));
  }

  @Test
  void topLevelNotAMapping() throws IOException {
    Path f = yaml("- a\n- b\n");
    assertEquals("config error in config file " + f + ": the file must be a mapping of keys (e.g. "
        + "'mount:' then '  cache-size: 2GiB'), got '[a, b]'", error(() -> Config.builder().file(f)));
  }

  @Test
  void sectionGivenAValue_isAnUnknownKey() throws IOException {
    Path f = yaml("mount: 5\n");
    assertTrue(error(() -> Config.builder().file(f)).contains("unknown key 'mount' (value '5')"));
  }

  @Test
  void emptyFile_meansDefaults() throws IOException {
    assertEquals("3", Config.builder().file(yaml("")).build().get(ConfigKeys.UP_REPLICAS));
  }

  @Test
  void envName_mapsDotsAndDashes() {
    assertEquals("QUORUMFS_MOUNT_CACHE_SIZE", ConfigKeys.MOUNT_CACHE_SIZE.envName());
    assertEquals("QUORUMFS_DATA_DIR", ConfigKeys.DATA_DIR.envName());
  }

  @Test
  void sizes_parseAndFormat() {
    assertEquals(4096, Sizes.parse("4096"));
    assertEquals(512L << 20, Sizes.parse("512MiB"));
    assertEquals(3L << 29, Sizes.parse("1.5 GiB"));
    assertEquals(1L << 10, Sizes.parse("1k"));
    assertEquals("1.5 GiB", Sizes.format(3L << 29));
    assertEquals("100 B", Sizes.format(100));
  }
}
