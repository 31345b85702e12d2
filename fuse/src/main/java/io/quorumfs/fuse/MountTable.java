package io.quorumfs.fuse;

import io.quorumfs.fs.FileSystem;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * What one FUSE mount shows: a list of entries, each placing a directory of some {@link
 * FileSystem} (a whole volume, or a subdirectory of one) at a path inside the mount. The file
 * systems are opened and owned by the caller; the same instance may appear in several entries.
 *
 * <p>Paths inside the mount resolve to the entry with the longest matching prefix. Directories
 * that lead to entries but belong to none (e.g. the root when only {@code /a} and {@code /b} are
 * entries) are read-only directories made up by the mount. Renames and hard links between entries
 * of different file systems fail with EXDEV; an entry's own directory cannot be removed or renamed
 * (EBUSY). With several file systems in one mount, inode numbers are made unique by putting the
 * file system's index in the top bits of {@code st_ino}.
 *
 * <p>Example: {@code MountTable.builder().add("/", home, "/").add("/shared", team, "/projects").build()}
 */
public final class MountTable {
  /** One entry: directory {@code subdir} of {@code fs} appears at {@code at} inside the mount. */
  public record Entry(String at, FileSystem fs, String subdir) {
    public Entry {
      at = normalize(at, "at");
      Objects.requireNonNull(fs, "fs");
      subdir = normalize(subdir, "subdir");
    }
  }

  private final List<Entry> entries;

  private MountTable(List<Entry> entries) {
    this.entries = List.copyOf(entries);
  }

  /** The whole of {@code fs} at the root of the mount. */
  public static MountTable of(FileSystem fs) {
    return builder().add("/", fs, "/").build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The entries, shortest {@code at} first. */
  public List<Entry> entries() {
    return entries;
  }

  /** Absolute, no "." / ".." / empty components, no trailing slash (except "/"). */
  static String normalize(String path, String what) {
    Objects.requireNonNull(path, what);
    if (!path.startsWith("/")) {
      throw new IllegalArgumentException(what + " must be an absolute path: '" + path + "'");
    }
    StringBuilder out = new StringBuilder();
    for (String part : path.split("/")) {
      if (part.isEmpty()) {
        continue;
      }
      if (part.equals(".") || part.equals("..")) {
        throw new IllegalArgumentException(what + " must not contain '.' or '..': '" + path + "'");
      }
      out.append('/').append(part);
    }
    return out.length() == 0 ? "/" : out.toString();
  }

  /** Builds a {@link MountTable}. */
  public static final class Builder {
    private final List<Entry> entries = new ArrayList<>();

    private Builder() {}

    /** Shows directory {@code subdir} of {@code fs} at {@code at}. */
    public Builder add(String at, FileSystem fs, String subdir) {
      Entry e = new Entry(at, fs, subdir);
      for (Entry other : entries) {
        if (other.at().equals(e.at())) {
          throw new IllegalArgumentException("Two mount table entries at " + e.at());
        }
      }
      entries.add(e);
      return this;
    }

    public MountTable build() {
      if (entries.isEmpty()) {
        throw new IllegalArgumentException("A mount table needs at least one entry");
      }
      List<Entry> sorted = new ArrayList<>(entries);
      sorted.sort(Comparator.comparingInt((Entry e) -> e.at().length()).thenComparing(Entry::at));
      return new MountTable(sorted);
    }
  }
}
