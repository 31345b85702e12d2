package io.quorumfs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;

/** Reads /proc/self/mountinfo: is a path a mount point right now? */
final class MountInfo {
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  private MountInfo() {}

  static boolean isMounted(Path mountPoint) {
    return find(mountPoint) != null;
  }

  /** The minor device number of the mount at {@code mountPoint} (a FUSE connection's fusectl id). */
  static OptionalInt deviceMinor(Path mountPoint) {
    String[] fields = find(mountPoint);
    if (fields == null) {
      return OptionalInt.empty();
    }
    String dev = fields[2];
    return OptionalInt.of(Integer.parseInt(dev.substring(dev.indexOf(':') + 1)));
  }

  /** The last mountinfo line for {@code mountPoint} (the top of a stack), split; null if none. */
  private static String[] find(Path mountPoint) {
    String wanted = mountPoint.toAbsolutePath().normalize().toString();
    List<String> lines;
    try {
      lines = Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new FuseMountException("Cannot read " + MOUNTINFO + ": " + e, e);
    }
    String[] found = null;
    for (String line : lines) {
      String[] fields = line.split(" ");
      if (fields.length > 4 && unescape(fields[4]).equals(wanted)) {
        found = fields;
      }
    }
    return found;
  }

  /** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
  private static String unescape(String field) {
    if (field.indexOf('\\') < 0) {
      return field;
    }
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < field.length(); i++) {
      char c = field.charAt(i);
      if (c == '\\' && i + 3 < field.length()) {
        out.append((char) Integer.parseInt(field.substring(i + 1, i + 4), 8));
        i += 3;
      } else {
        out.append(c);
      }
    }
    return out.toString();
  }
}
