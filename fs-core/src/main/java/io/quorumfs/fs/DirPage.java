package io.quorumfs.fs;

import java.util.List;

/**
 * One page of {@link FileSystem#readdir}: entries in ascending byte order of their UTF-8 names.
 * {@code more} is true when entries may follow; pass {@link #next()} as {@code after} to continue.
 */
public record DirPage(List<DirEntry> entries, boolean more) {

  public DirPage {
    entries = List.copyOf(entries);
  }

  /** The cursor for the next page: the last name returned, or null for an empty page. */
  public String next() {
    return entries.isEmpty() ? null : entries.get(entries.size() - 1).name();
  }
}
