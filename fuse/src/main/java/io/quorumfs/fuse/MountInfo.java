package io.quorumfs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Reads /proc/self/mountinfo: is a path a mount point right now? */
final class MountInfo {
  private static final Path MOUNTINFO = Path.of("/proc/self/mountinfo");

  private MountInfo() {}

  static boolean isMounted(Path mountPoint) {
    String wanted = mountPoint.toAbsolutePath().normalize().toString();
    List<String> lines;
    try {
      lines = Files.readAllLines(MOUNTINFO, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new FuseMountException("Cannot read " + MOUNTINFO + ": " + e, e);
    }
    for (String line : lines) {
      String[] fields = line.split(" ");
      if (fields.length > 4 && unescape(fields[4]).equals(wanted)) {
        return true;
      }
    }
    return false;
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
