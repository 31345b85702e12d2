package io.quorumfs.kv.redis;

import java.util.Locale;

/**
 * How the test fixtures start their server, chosen with {@code -Dquorumfs.fixtures=process|testcontainers}.
 * {@link #PROCESS} (the default) needs no Docker; {@link #TESTCONTAINERS} needs a Docker engine and the
 * Testcontainers library on the test classpath.
 */
enum FixtureMode {
  PROCESS("process"),
  TESTCONTAINERS("testcontainers");

  static final String PROPERTY = "quorumfs.fixtures";
  static final String GENERIC_CONTAINER = "org.testcontainers.containers.GenericContainer";

  final String value;

  FixtureMode(String value) {
    this.value = value;
  }

  /** The mode from {@code -Dquorumfs.fixtures}, {@link #PROCESS} when unset or blank. */
  static FixtureMode current() {
    return parse(System.getProperty(PROPERTY));
  }

  /** Parses a property value; anything but {@code process} or {@code testcontainers} is an error. */
  static FixtureMode parse(String raw) {
    if (raw == null || raw.isBlank()) {
      return PROCESS;
    }
    String v = raw.trim().toLowerCase(Locale.ROOT);
    for (FixtureMode m : values()) {
      if (m.value.equals(v)) {
        return m;
      }
    }
    throw new IllegalArgumentException("-D" + PROPERTY + "=" + raw + " is not a fixture mode; allowed values: "
        + PROCESS.value + " (the default), " + TESTCONTAINERS.value);
  }

  /** "-Dquorumfs.fixtures=testcontainers", for messages. */
  String flag() {
    return "-D" + PROPERTY + "=" + value;
  }

  /** Fails clearly when Testcontainers is not on the classpath (a module using the test-jar without it). */
  void requireTestcontainersOnClasspath(String fixture) {
    try {
      Class.forName(GENERIC_CONTAINER, false, FixtureMode.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(fixture + " with " + flag() + " needs org.testcontainers:testcontainers"
          + " on the test classpath; add it with test scope to this module's pom", e);
    }
  }
}
