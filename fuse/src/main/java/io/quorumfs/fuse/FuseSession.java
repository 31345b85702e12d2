package io.quorumfs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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
  private static final Duration BUSY_RETRY = Duration.ofSeconds(3);

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
      unmount();
    }
    waitLoopExit();
  }

  private void waitLoopExit() {
    try {
      loopExit.get(LOOP_EXIT_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new FuseMountException("The FUSE loop for " + mountPoint + " did not stop within "
          + LOOP_EXIT_WAIT.toSeconds() + " s after unmount");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException e) {
      log.warn("FUSE loop for {} ended with an error", mountPoint, e.getCause());
    }
  }

  /** fusermount -u; while busy, retry briefly, then detach lazily (-z) so the daemon can exit. */
  private void unmount() {
    long deadline = System.nanoTime() + BUSY_RETRY.toNanos();
    String lastError = "";
    while (MountInfo.isMounted(mountPoint) && !loopExit.isDone()) {
      lastError = fusermount("-u");
      if (lastError.isEmpty() || !MountInfo.isMounted(mountPoint)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        log.warn("{} is busy ({}); detaching it lazily: processes still using it get ENOTCONN", mountPoint,
            lastError.strip());
        String lazy = fusermount("-uz");
        if (!lazy.isEmpty() && MountInfo.isMounted(mountPoint)) {
          throw new FuseMountException("Cannot unmount " + mountPoint + ": " + lazy.strip());
        }
        return;
      }
      try {
        loopExit.get(100, TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // retry
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
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
