package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.cli.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** allow_other for root, for a user FUSE lets share a mount, and for one it does not. */
class FuseAccessTest {
  @TempDir Path dir;

  @Test
  void root_getsWhatItAsksFor() throws Exception {
    Path conf = Files.writeString(dir.resolve("fuse.conf"), "# mount_max = 1000\n");
    assertTrue(FuseAccess.allowOther(true, false, 0, conf));
    assertFalse(FuseAccess.allowOther(false, true, 0, conf));
  }

  @Test
  void aUser_withUserAllowOther_getsIt() throws Exception {
    Path conf = Files.writeString(dir.resolve("fuse.conf"), "# comment\n  user_allow_other  \n");
    assertTrue(FuseAccess.allowOther(true, false, 1000, conf));
    assertTrue(FuseAccess.allowOther(true, true, 1000, conf));
  }

  @Test
  void aUser_withoutUserAllowOther_mountsForItselfByDefault_andIsToldTheFixWhenItAskedForIt()
      throws Exception {
    Path commented = Files.writeString(dir.resolve("fuse.conf"), "#user_allow_other\n");
    Path missing = dir.resolve("absent.conf");
    assertFalse(FuseAccess.allowOther(true, false, 1000, commented));
    assertFalse(FuseAccess.allowOther(true, false, 1000, missing));
    assertFalse(FuseAccess.allowOther(false, true, 1000, missing));
    ConfigException e = assertThrows(ConfigException.class,
        () -> FuseAccess.allowOther(true, true, 1000, commented));
    assertEquals("key 'mount.allow-other' is true, but FUSE allows other users on a mount made by "
        + "uid 1000 only with a line 'user_allow_other' in " + commented + ": add it (as root), or "
        + "set mount.allow-other to false", e.getMessage());
  }

  @Test
  void uidAndGid_areThisProcesses() throws Exception {
    assertEquals(Files.getAttribute(Path.of("/proc/self"), "unix:uid"), FuseAccess.uid());
    assertEquals(Files.getAttribute(Path.of("/proc/self"), "unix:gid"), FuseAccess.gid());
  }
}
