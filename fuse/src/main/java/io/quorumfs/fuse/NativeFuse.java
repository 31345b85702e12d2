package io.quorumfs.fuse;

import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import jnr.ffi.Pointer;
import jnr.ffi.Struct;
import ru.serce.jnrfuse.FuseStubFS;

/**
 * The jnr-fuse binding underneath {@link QuorumFuse}: runs libfuse 2's {@code fuse_main} with our own
 * argv (jnr-fuse's {@code mount()} would add its own shutdown hook and guess at mount success after
 * two seconds), sets the operation flags jnr-fuse does not expose, and reports when the kernel
 * connection is up.
 */
abstract class NativeFuse extends FuseStubFS {
  /**
   * fuse_operations bit field (libfuse 2.9, little endian): bit 0 flag_nullpath_ok (read, write,
   * release... of an unlinked file get a NULL path and must use the file handle, which we always
   * do), bit 2 flag_utime_omit_ok (utimens sees UTIME_NOW/UTIME_OMIT itself).
   */
  private static final byte OPERATION_FLAGS = 0b101;

  private final CompletableFuture<Void> ready = new CompletableFuture<>();

  NativeFuse() {
    setOperationFlags();
  }

  private void setOperationFlags() {
    try {
      Method offset = Class.forName("jnr.ffi.Struct$AbstractMember").getDeclaredMethod("offset");
      offset.setAccessible(true);
      long at = (Long) offset.invoke(fuseOperations.flag_nullpath_ok);
      Struct.getMemory(fuseOperations).putByte(at, OPERATION_FLAGS);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new FuseMountException("Cannot set fuse_operations flags through jnr-fuse: " + e, e);
    }
  }

  /** Runs the libfuse main loop on the calling thread until unmount; returns fuse_main's status. */
  final int runLoop(List<String> args) {
    String[] argv = args.toArray(new String[0]);
    return libFuse.fuse_main_real(argv.length, argv, fuseOperations, Struct.size(fuseOperations), null);
  }

  /** Completes when libfuse has mounted and the kernel has sent INIT. */
  final CompletableFuture<Void> ready() {
    return ready;
  }

  @Override
  public final Pointer init(Pointer conn) {
    ready.complete(null);
    return null;
  }

  @Override
  public final void destroy(Pointer initResult) {
    try {
      releaseAll();
    } catch (Throwable t) {
      org.slf4j.LoggerFactory.getLogger(NativeFuse.class).error("Releasing open files at unmount failed", t);
    }
  }

  /** Makes every open file's buffered data durable; called before unmounting. Must not throw. */
  abstract void flushAll();

  /** Releases every open handle; called once libfuse has stopped. Must not throw. */
  abstract void releaseAll();

  /** Stops background work (the guard's watchdog). */
  abstract void shutdown();
}
