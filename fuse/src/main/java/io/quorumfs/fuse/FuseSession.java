package io.quorumfs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One running mount: the libfuse loop thread, the shutdown hook and the unmount sequence. */
final class FuseSession implements MountHandle {
  private static final Logger log = LoggerFactory.getLogger(FuseSession.class);
  private static final Duration MOUNT_WAIT = Duration.ofSeconds(20);
  private static final Duration LOOP_EXIT_WAIT = Duration.ofSeconds(15);
  private static final Duration BUSY_RETRY = Duration.ofSeconds(2);
  private static final Duration LAZY_DRAIN_WAIT = Duration.ofSeconds(3);

  private final NativeFuse fuse;
  private final Path mountPoint;
  private final CompletableFuture<Integer> loopExit = new CompletableFuture<>();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final Thread shutdownHook;

  private FuseSession(NativeFuse fuse, Path mountPoint) {
    this.fuse = fuse;
    this.mountPoint = mountPoint;
    this.shutdownHook = new Thread(this::closeFromHook, "quorumfs-unmount-" + mountPoint);
  }

  /** Mounts {@code fuse} on {@code mountPoint}; returns once the kernel connection is up. */
  static FuseSession start(NativeFuse fuse, Path mountPoint, MountOptions options) {
    Path mp = mountPoint.toAbsolutePath().normalize();
    FuseEnvironment.check();
    FuseEnvironment.checkMountPoint(mp, options.allowNonEmpty());
    FuseSession session = new FuseSession(fuse, mp);
    List<String> args = options.toFuseArgs(mp);
    Thread loop = new Thread(() -> session.runLoop(args), "quorumfs-fuse-" + mp);
    loop.setDaemon(true);
    loop.start();
    try {
      CompletableFuture.anyOf(fuse.ready(), session.loopExit).get(MOUNT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      session.close();
      throw new FuseMountException("Mounting " + mp + " did not complete within " + MOUNT_WAIT.toSeconds() + " s");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      session.close();
      throw new FuseMountException("Interrupted while mounting " + mp, e);
    } catch (ExecutionException e) {
      fuse.shutdown();
      throw new FuseMountException("Mounting " + mp + " failed: " + e.getCause(), e.getCause());
    }
    if (!fuse.ready().isDone()) {
      fuse.shutdown();
      throw new FuseMountException("libfuse could not mount " + mp + " (fuse_main returned " + session.loopExit.join()
          + "; its reason is on stderr). Options: " + args);
    }
    Runtime.getRuntime().addShutdownHook(session.shutdownHook);
    if (session.loopExit.isDone()) {
      session.removeShutdownHook();
    }
    log.info("Mounted quorumfs:{} on {}", options.name(), mp);
    return session;
  }

  private void runLoop(List<String> args) {
    try {
      loopExit.complete(fuse.runLoop(args));
    } catch (Throwable t) {
      loopExit.completeExceptionally(t);
    } finally {
      fuse.shutdown();
      removeShutdownHook();
    }
  }

  private void removeShutdownHook() {
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException | IllegalArgumentException e) {
      // Shutting down already (we may be the hook), or the hook was never added.
    }
  }

  @Override
  public Path mountPoint() {
    return mountPoint;
  }

  @Override
  public boolean isMounted() {
    return !loopExit.isDone();
  }

  @Override
  public void awaitUnmount() throws InterruptedException {
    try {
      loopExit.get();
    } catch (ExecutionException e) {
      log.warn("FUSE loop for {} ended with an error", mountPoint, e.getCause());
    }
  }

  @Override
  public boolean awaitUnmount(Duration timeout) throws InterruptedException {
    try {
      loopExit.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return true;
    }
  }

  @Override
  public void close() {
    if (!closing.compareAndSet(false, true)) {
      waitLoopExit();
      return;
    }
    removeShutdownHook();
    unmountSequence();
  }

  private void closeFromHook() {
    if (closing.compareAndSet(false, true) && !loopExit.isDone()) {
      log.info("JVM shutting down: flushing open files and unmounting {}", mountPoint);
      unmountSequence();
    }
  }

  private void unmountSequence() {
    if (!loopExit.isDone()) {
      fuse.flushAll();
      OptionalInt connection = MountInfo.deviceMinor(mountPoint);
      if (unmount() && !awaitQuietly(LAZY_DRAIN_WAIT)) {
        // Detached, but processes still hold files open, so the kernel keeps the connection (and
        // our loop) alive. Their data is flushed; abort the connection so they get ENOTCONN.
        if (!abortConnection(connection)) {
          return;
        }
      }
    }
    waitLoopExit();
  }

  private boolean awaitQuietly(Duration d) {
    try {
      loopExit.get(d.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (ExecutionException e) {
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  /** Writes to fusectl's abort file for the connection, if fusectl is mounted. */
  private boolean abortConnection(OptionalInt connection) {
    if (connection.isEmpty()) {
      return false;
    }
    Path abort = Path.of("/sys/fs/fuse/connections", Integer.toString(connection.getAsInt()), "abort");
    if (!Files.exists(abort)) {
      log.warn("{} is detached but stays served until its last open file is closed (mount fusectl on"
          + " /sys/fs/fuse/connections to let unmount abort such connections)", mountPoint);
      return false;
    }
    try {
      Files.writeString(abort, "1");
      log.warn("Aborted the FUSE connection of detached mount {}: open files there now fail with ENOTCONN",
          mountPoint);
      return true;
    } catch (IOException e) {
      log.warn("Cannot abort FUSE connection {}: {}", abort, e.toString());
      return false;
    }
  }

  private void waitLoopExit() {
    try {
      loopExit.get(LOOP_EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      if (MountInfo.isMounted(mountPoint)) {
        throw new FuseMountException("The FUSE loop for " + mountPoint + " did not stop within "
            + LOOP_EXIT_WAIT.toSeconds() + " s after unmount");
      }
      log.warn("{} is unmounted but its FUSE connection is still in use by open files; it ends when they"
          + " are closed or this process exits", mountPoint);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      log.warn("FUSE loop for {} ended with an error", mountPoint, e.getCause());
    }
  }

  /**
   * fusermount -u; while busy, retry briefly, then detach lazily (-z). Returns true if it had to
   * detach lazily.
   */
  private boolean unmount() {
    long deadline = System.nanoTime() + BUSY_RETRY.toNanos();
    String lastError = "";
    while (MountInfo.isMounted(mountPoint) && !loopExit.isDone()) {
      lastError = fusermount("-u");
      if (lastError.isEmpty() || !MountInfo.isMounted(mountPoint)) {
        return false;
      }
      if (System.nanoTime() > deadline) {
        log.warn("{} is busy ({}); detaching it lazily: processes still using it get ENOTCONN", mountPoint,
            lastError.strip());
        String lazy = fusermount("-uz");
        if (!lazy.isEmpty() && MountInfo.isMounted(mountPoint)) {
          throw new FuseMountException("Cannot unmount " + mountPoint + ": " + lazy.strip());
        }
        return true;
      }
      try {
        loopExit.get(100, TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // retry
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }

  /** Runs fusermount with {@code flag}; returns its stderr if it failed, else "". */
  private String fusermount(String flag) {
    String binary = FuseEnvironment.fusermount().map(Path::toString).orElse("fusermount");
    try {
      Process p = new ProcessBuilder(binary, flag, mountPoint.toString()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "fusermount " + flag + " did not finish within 30 s";
      }
      return p.exitValue() == 0 ? "" : (out.isBlank() ? "fusermount exit " + p.exitValue() : out);
    } catch (IOException e) {
      return "cannot run " + binary + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "interrupted";
    }
  }
}
