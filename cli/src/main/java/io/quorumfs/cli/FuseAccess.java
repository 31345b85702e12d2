package io.quorumfs.cli;

import io.quorumfs.cli.config.Config;
import io.quorumfs.cli.config.ConfigException;
import io.quorumfs.cli.config.ConfigKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Pattern;

/**
 * Who may mount and use a FUSE mount of this process. {@code allow_other} (other uids may use the
 * mount) needs root or {@code user_allow_other} in /etc/fuse.conf; without either, fusermount
 * refuses the whole mount. So for a user who did not ask for it, it is off; asked for explicitly,
 * its absence is a config error naming the key and the fix.
 */
final class FuseAccess {
  private static final Path FUSE_CONF = Path.of("/etc/fuse.conf");
  private static final Pattern USER_ALLOW_OTHER = Pattern.compile("(?m)^\\s*user_allow_other\\s*$");

  private FuseAccess() {}

  /** The {@code allow_other} to mount with, for the running user. */
  static boolean allowOther(Config cfg) {
    return allowOther(cfg.bool(ConfigKeys.MOUNT_ALLOW_OTHER),
        !"default".equals(cfg.source(ConfigKeys.MOUNT_ALLOW_OTHER)), uid(), FUSE_CONF);
  }

  static boolean allowOther(boolean wanted, boolean explicit, int uid, Path fuseConf) {
    if (!wanted || uid == 0 || userAllowOther(fuseConf)) {
      return wanted;
    }
    if (!explicit) {
      Logging.CONN.info("mounting without allow_other: not root and {} has no user_allow_other, "
          + "so only uid {} can use the mount", fuseConf, uid);
      return false;
    }
    throw new ConfigException("key '" + ConfigKeys.MOUNT_ALLOW_OTHER.name() + "' is true, but "
        + "FUSE allows other users on a mount made by uid " + uid + " only with a line "
        + "'user_allow_other' in " + fuseConf + ": add it (as root), or set "
        + ConfigKeys.MOUNT_ALLOW_OTHER.name() + " to false");
  }

  private static boolean userAllowOther(Path fuseConf) {
    try {
      return Files.isReadable(fuseConf) && USER_ALLOW_OTHER.matcher(Files.readString(fuseConf)).find();
    } catch (IOException e) {
      return false;
    }
  }

  /** This process's uid (the owner a newly formatted file system's root directory gets). */
  static int uid() {
    return unixId("unix:uid");
  }

  /** This process's gid. */
  static int gid() {
    return unixId("unix:gid");
  }

  private static int unixId(String attribute) {
    try {
      return (Integer) Files.getAttribute(Path.of("/proc/self"), attribute);
    } catch (IOException | UnsupportedOperationException e) {
      return 0;
    }
  }
}
