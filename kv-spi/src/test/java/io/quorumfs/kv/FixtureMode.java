package io.quorumfs.kv;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * How the test fixtures start their server, chosen with {@code -Dquorumfs.fixtures=process|testcontainers}.
 * {@link #PROCESS} (the default) needs no Docker; {@link #TESTCONTAINERS} needs a Docker engine and the
 * Testcontainers library on the test classpath. Shared by the server fixtures of every backend module.
 */
public enum FixtureMode {
  PROCESS("process"),
  TESTCONTAINERS("testcontainers");

  public static final String PROPERTY = "quorumfs.fixtures";
  public static final String GENERIC_CONTAINER = "org.testcontainers.containers.GenericContainer";

  public final String value;

  FixtureMode(String value) {
    this.value = value;
  }

  /** The mode from {@code -Dquorumfs.fixtures}, {@link #PROCESS} when unset or blank. */
  public static FixtureMode current() {
    return parse(System.getProperty(PROPERTY));
  }

  /** Parses a property value; anything but {@code process} or {@code testcontainers} is an error. */
  public static FixtureMode parse(String raw) {
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
  public String flag() {
    return "-D" + PROPERTY + "=" + value;
  }

  /** Fails clearly when Testcontainers is not on the classpath (a module using the test-jar without it). */
  public void requireTestcontainersOnClasspath(String fixture) {
    try {
      Class.forName(GENERIC_CONTAINER, false, FixtureMode.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new IllegalStateException(fixture + " with " + flag() + " needs org.testcontainers:testcontainers"
          + " on the test classpath; add it with test scope to this module's pom", e);
    }
  }

  /** True when a Docker engine is visible (DOCKER_HOST or a docker.sock), as Testcontainers looks. */
  public static boolean dockerEngineVisible() {
    String runtime = System.getenv("XDG_RUNTIME_DIR");
    return System.getenv("DOCKER_HOST") != null || Files.exists(Path.of("/var/run/docker.sock"))
        || (runtime != null && Files.exists(Path.of(runtime, "docker.sock")));
  }
}
