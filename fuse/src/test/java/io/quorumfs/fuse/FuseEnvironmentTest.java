package io.quorumfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The host check before a mount: what is missing, and what to install, in one message. */
class FuseEnvironmentTest {

  @TempDir
  Path tmp;

  @Test
  void thisHost_canMount() {
    assertEquals(Optional.empty(), FuseEnvironment.problem(), "bin/test installs fuse and libfuse2 and runs as root");
  }

  @Test
  void everythingMissing_isNamed_withTheAptLine() {
    String p = FuseEnvironment.problem(tmp.resolve("fuse"), tmp.toString(), List.of(tmp.toString())).orElseThrow();
    assertEquals("FUSE is not usable on this host; missing: " + tmp.resolve("fuse") + " (load the fuse kernel "
        + "module: modprobe fuse; in a container, pass --device /dev/fuse), fusermount on PATH (package fuse), "
        + "libfuse.so.2 (package libfuse2). Install with: apt-get install -y --no-install-recommends fuse "
        + "libfuse2 (not fuse3: it removes fusermount)", p);
  }

  @Test
  void allPresent_isNoProblem_andAFoundLibraryOrBinaryIsNotNamed() throws Exception {
    Path dev = Files.createFile(tmp.resolve("fuse"));
    Path bin = Files.createDirectories(tmp.resolve("bin"));
    Files.createFile(bin.resolve("fusermount"), PosixFilePermissions.asFileAttribute(
        PosixFilePermissions.fromString("rwxr-xr-x")));
    Path lib = Files.createDirectories(tmp.resolve("lib"));
    assertTrue(FuseEnvironment.problem(dev, bin.toString(), List.of(lib.toString())).orElseThrow()
        .contains("missing: libfuse.so.2 (package libfuse2)."));
    Files.createFile(lib.resolve("libfuse.so.2"));
    assertEquals(Optional.empty(), FuseEnvironment.problem(dev, "/nonexistent:" + bin, List.of(lib.toString())));
  }
}
