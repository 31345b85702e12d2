package io.quorumfs.kv.redis;

import io.quorumfs.kv.FixtureMode;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Runs a real {@code redis-server} as a child process on a free loopback port, for tests.
 *
 * <pre>
 *   &#64;RegisterExtension
 *   static final RedisServerExtension REDIS = new RedisServerExtension();
 *   ...
 *   KvStore s = KvStores.open(REDIS.freshUri()); // a new key prefix per call: isolated stores
 * </pre>
 *
 * Registered on a static field it starts once before all tests of the class and stops after them;
 * on an instance field, around each test. Started with {@code --save "" --appendonly no} unless
 * {@link #persistent()} (AOF, fsync always) is asked for; {@link #kill()} and {@link #restart()}
 * (same port, same directory) let tests cut the server mid-workload. The process is stopped by its
 * PID (SIGTERM, then SIGKILL after 5 s), and killed at JVM exit if a test forgot.
 *
 * <p>Needs the Debian package: {@code apt-get install -y --no-install-recommends redis-server}
 * (or {@code -Dquorumfs.redis.server=/path/to/redis-server}).
 *
 * <p>With {@code -Dquorumfs.fixtures=testcontainers} (default {@code process}) the server runs in a
 * Testcontainers container of {@code redis:7} ({@code -Dquorumfs.redis.image=...}) instead, and
 * {@link #host()}/{@link #port()} are the container's host and mapped port. There {@link #kill()},
 * {@link #restart()}, {@link #pid()} and {@link #dir()} throw {@link UnsupportedOperationException},
 * and fixtures with TLS or {@link #processOnly(String)} skip their test class with an assumption
 * naming the reason; tests calling those in one method guard it with {@link #assumeProcess(String)}.
 */
public final class RedisServerExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {

  public static final String INSTALL_HINT = "apt-get install -y --no-install-recommends redis-server";
  private static final Duration START_DEADLINE = Duration.ofSeconds(20);
  private static final AtomicInteger PREFIXES = new AtomicInteger();

  private final List<String> extraArgs = new ArrayList<>();
  private boolean persistent;
  private String password;
  private Path tlsCert;
  private Path tlsKey;
  private Path tlsCa;
  private Process process;
  private int port;
  private Path dir;
  private boolean startedPerClass;
  private boolean startedPerTest;
  private FixtureMode mode;
  private String processOnlyReason;
  private RedisContainer container;

  public RedisServerExtension() {}

  /** Extra {@code redis-server} arguments, e.g. {@code "--maxmemory", "10mb"}. */
  public RedisServerExtension withArgs(String... args) {
    extraArgs.addAll(List.of(args));
    return this;
  }

  /** Append-only file with {@code appendfsync always}: every acknowledged write survives kill -9. */
  public RedisServerExtension persistent() {
    this.persistent = true;
    return this;
  }

  /** Requires {@code AUTH password} (the default user). */
  public RedisServerExtension withPassword(String password) {
    this.password = password;
    return this;
  }

  /**
   * Serves TLS only (plain port off) with this PEM certificate and key; {@code ca} is announced as the
   * CA for client certificates, which are not required. Use {@code rediss://} URIs.
   */
  public RedisServerExtension withTls(Path certPem, Path keyPem, Path caPem) {
    this.tlsCert = certPem;
    this.tlsKey = keyPem;
    this.tlsCa = caPem;
    return this;
  }

  /**
   * Marks every test using this fixture as needing a child process ({@code reason}, e.g. "kill -9 and
   * restart"): with {@code -Dquorumfs.fixtures=testcontainers} they are skipped with that reason.
   */
  public RedisServerExtension processOnly(String reason) {
    this.processOnlyReason = reason;
    return this;
  }

  /** The mode from {@code -Dquorumfs.fixtures}, read once per fixture. */
  synchronized FixtureMode mode() {
    if (mode == null) {
      mode = FixtureMode.current();
    }
    return mode;
  }

  /** Overrides {@code -Dquorumfs.fixtures} for this fixture (for the mode's own tests). */
  synchronized RedisServerExtension withMode(FixtureMode mode) {
    this.mode = mode;
    return this;
  }

  /**
   * A JUnit assumption for one test that needs the child process ({@link #pid()}, {@link #kill()}, ...):
   * skips it, naming {@code reason} and the mode, under {@code -Dquorumfs.fixtures=testcontainers}.
   */
  public void assumeProcess(String reason) {
    Assumptions.assumeTrue(mode() == FixtureMode.PROCESS,
        () -> "skipped with " + mode().flag() + ": " + reason + " needs a redis-server child process");
  }

  private boolean supportedByMode() {
    return mode() == FixtureMode.PROCESS || (processOnlyReason == null && tlsCert == null);
  }

  private void assumeSupportedByMode() {
    if (processOnlyReason != null) {
      assumeProcess(processOnlyReason);
    }
    if (tlsCert != null) {
      assumeProcess("TLS (server certificates from a temporary directory)");
    }
  }

  private UnsupportedOperationException unsupported(String what) {
    return new UnsupportedOperationException(what + " is not available with " + mode().flag()
        + ": the server runs in a container, not as a child process; guard the test with"
        + " REDIS.assumeProcess(...) or processOnly(...)");
  }

  /** The server's process id (for tests that stop it with SIGSTOP, for example). */
  public synchronized long pid() {
    if (mode() != FixtureMode.PROCESS) {
      throw unsupported("pid()");
    }
    if (process == null) {
      throw new IllegalStateException("redis-server is not running");
    }
    return process.pid();
  }

  @Override
  public void beforeAll(ExtensionContext context) {
    if (!supportedByMode()) {
      return; // beforeEach skips every test with the reason, so the reports show each one skipped
    }
    if (!isRunning()) {
      start();
      startedPerClass = true;
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (startedPerClass) {
      stop();
      startedPerClass = false;
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) {
    assumeSupportedByMode();
    if (!isRunning() && !startedPerClass && dir == null) {
      start();
      startedPerTest = true;
    }
  }

  @Override
  public void afterEach(ExtensionContext context) {
    if (startedPerTest) {
      stop();
      startedPerTest = false;
    }
  }

  /** {@code 127.0.0.1}, or the container's host in testcontainers mode. */
  public synchronized String host() {
    return container != null ? container.host() : "127.0.0.1";
  }

  /** The server's port, or the container's mapped port in testcontainers mode. */
  public synchronized int port() {
    return container != null ? container.port() : port;
  }

  /** The server's working directory (its AOF lives here). */
  public synchronized Path dir() {
    if (mode() != FixtureMode.PROCESS) {
      throw unsupported("dir()");
    }
    return dir;
  }

  /** {@code redis://127.0.0.1:PORT/0?prefix=PREFIX}, with the password if one is set. */
  public String uri(String prefix) {
    return (tlsCert != null ? "rediss://" : "redis://") + (password != null ? ":" + password + "@" : "") + host() + ":" + port() + "/0?prefix=" + prefix;
  }

  /** A URI with a key prefix no other call in this JVM returned: an empty, isolated store. */
  public String freshUri() {
    return uri("t" + PREFIXES.incrementAndGet());
  }

  public synchronized boolean isRunning() {
    if (container != null) {
      return container.isRunning();
    }
    return process != null && process.isAlive();
  }

  /** Starts the server on a free port (retrying with another port if the chosen one was taken). */
  public synchronized void start() {
    if (isRunning()) {
      return;
    }
    if (mode() == FixtureMode.TESTCONTAINERS) {
      startContainer();
      return;
    }
    String exe = findServer();
    try {
      dir = Files.createTempDirectory("quorumfs-redis-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a directory for redis-server", e);
    }
    RuntimeException last = null;
    for (int attempt = 0; attempt < 5; attempt++) {
      port = freePort();
      try {
        launch(exe);
        return;
      } catch (RuntimeException e) {
        last = e;
      }
    }
    throw last;
  }

  /** Starts the server again on the same port and directory (after {@link #kill} or {@link #stop}). */
  public synchronized void restart() {
    if (mode() != FixtureMode.PROCESS) {
      throw unsupported("restart()");
    }
    if (isRunning()) {
      throw new IllegalStateException("redis-server on port " + port + " is still running");
    }
    launch(findServer());
  }

  /** SIGKILL: no shutdown, no final save; what the AOF had fsynced survives. */
  public synchronized void kill() {
    if (mode() != FixtureMode.PROCESS) {
      throw unsupported("kill()");
    }
    if (process != null) {
      process.destroyForcibly();
      waitFor(process);
    }
  }

  /** Stops the server (SIGTERM, SIGKILL after 5 s) and deletes its directory. */
  public synchronized void stop() {
    if (container != null) {
      container.close();
      container = null;
    }
    if (process != null) {
      process.destroy();
      try {
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
          process.destroyForcibly();
          waitFor(process);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
      process = null;
    }
    if (dir != null) {
      deleteTree(dir);
      dir = null;
    }
  }

  private void startContainer() {
    if (tlsCert != null) {
      throw unsupported("TLS (withTls)");
    }
    mode().requireTestcontainersOnClasspath("RedisServerExtension");
    List<String> args = new ArrayList<>(List.of("--save", "", "--protected-mode", "no"));
    if (persistent) {
      args.addAll(List.of("--appendonly", "yes", "--appendfsync", "always"));
    } else {
      args.addAll(List.of("--appendonly", "no"));
    }
    if (password != null) {
      args.addAll(List.of("--requirepass", password));
    }
    args.addAll(extraArgs);
    container = RedisContainer.start(args);
  }

  private void launch(String exe) {
    List<String> cmd = new ArrayList<>(List.of(exe, "--bind", "127.0.0.1", "--dir", dir.toString(), "--save", "", "--daemonize", "no", "--protected-mode", "no"));
    if (tlsCert != null) {
      cmd.addAll(List.of("--port", "0", "--tls-port", Integer.toString(port), "--tls-cert-file", tlsCert.toString(),
          "--tls-key-file", tlsKey.toString(), "--tls-ca-cert-file", tlsCa.toString(), "--tls-auth-clients", "no"));
    } else {
      cmd.addAll(List.of("--port", Integer.toString(port)));
    }
    if (persistent) {
      cmd.addAll(List.of("--appendonly", "yes", "--appendfsync", "always"));
    } else {
      cmd.addAll(List.of("--appendonly", "no"));
    }
    if (password != null) {
      cmd.addAll(List.of("--requirepass", password));
    }
    cmd.addAll(extraArgs);
    File log = dir.resolve("redis.log").toFile();
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log));
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + String.join(" ", cmd), e);
    }
    process = p;
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly, "redis-server-reaper"));
    long deadline = System.nanoTime() + START_DEADLINE.toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("redis-server exited with " + p.exitValue() + " on port " + port
            + "; log " + log + ":\n" + tail(log));
      }
      if (answersPing()) {
        return;
      }
      pause(20);
    }
    p.destroyForcibly();
    waitFor(p);
    throw new IllegalStateException("redis-server on port " + port + " did not answer PING within "
        + START_DEADLINE + "; log " + log + ":\n" + tail(log));
  }

  /** True when something on the port answers PING (a NOAUTH error counts: the server is up). */
  private boolean answersPing() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host(), port), 500);
      if (tlsCert != null) {
        return true; // listening; a TLS handshake is the client's business
      }
      s.setSoTimeout(1000);
      OutputStream out = s.getOutputStream();
      out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      int c = in.read();
      return c == '+' || c == '-';
    } catch (IOException e) {
      return false;
    }
  }

  private static String findServer() {
    String configured = System.getProperty("quorumfs.redis.server");
    if (configured != null) {
      if (!new File(configured).canExecute()) {
        throw new IllegalStateException("-Dquorumfs.redis.server=" + configured + " is not an executable file");
      }
      return configured;
    }
    String path = System.getenv().getOrDefault("PATH", "/usr/bin:/bin");
    List<String> dirs = new ArrayList<>(List.of(path.split(File.pathSeparator)));
    dirs.add("/usr/bin");
    dirs.add("/usr/local/bin");
    for (String d : dirs) {
      File f = new File(d, "redis-server");
      if (f.canExecute()) {
        return f.getPath();
      }
    }
    throw new IllegalStateException("redis-server is not installed (not on PATH " + path + "); the redis tests"
        + " start a real server. Install it with: " + INSTALL_HINT);
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot find a free port", e);
    }
  }

  private static void waitFor(Process p) {
    try {
      p.waitFor(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void pause(long millis) {
    try {
      Thread.sleep(millis); // poll interval inside a deadline loop
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for redis-server", e);
    }
  }

  private static String tail(File log) {
    try {
      List<String> lines = Files.readAllLines(log.toPath());
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  private static void deleteTree(Path root) {
    try (Stream<Path> s = Files.walk(root)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // best effort: a temp directory
    }
  }
}
