package io.quorumfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import jnr.ffi.Struct;
import org.junit.jupiter.api.Test;
import ru.serce.jnrfuse.struct.FuseFileInfo;

class MountOptionsTest {
  private static String opts(MountOptions o) {
    List<String> args = o.toFuseArgs(Path.of("/mnt/x"));
    return args.get(args.indexOf("-o") + 1);
  }

  @Test
  void defaults_areCoherent_allTimeoutsZero_noAutoCache() {
    MountOptions d = MountOptions.defaults();
    assertTrue(d.coherent());
    String o = opts(d);
    assertTrue(o.contains("attr_timeout=0,") && o.contains("entry_timeout=0,") && o.contains("negative_timeout=0,"), o);
    assertFalse(o.contains("auto_cache"), o);
  }

  @Test
  void relaxed_restoresTheOldFasterSetup() {
    String o = opts(MountOptions.defaults().toBuilder().coherent(false)
        .attrTimeout(MountOptions.RELAXED_ATTR_TIMEOUT).build());
    assertTrue(o.contains("attr_timeout=0.02,") && o.contains("auto_cache"), o);
  }

  @Test
  void keepCache_setsBitOneOfTheWordBeforeFh_andClearsDirectIo() {
    FuseFileInfo fi = FuseFileInfo.of(Runtime.getSystemRuntime().getMemoryManager().allocateDirect(64, true));
    assertEquals(24, fi.fh.offset(), "libfuse 2's struct fuse_file_info on x86_64: fh at 24, bit fields at 20");
    Pointer mem = Struct.getMemory(fi);
    mem.putInt(20, 0b1101); // direct_io, flush, nonseekable set
    QuorumFuse.setKeepCache(fi, true);
    assertEquals(0b1110, mem.getInt(20));
    QuorumFuse.setKeepCache(fi, false);
    assertEquals(0b1100, mem.getInt(20));
  }
}
