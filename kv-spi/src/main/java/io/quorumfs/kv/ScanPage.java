package io.quorumfs.kv;

import java.util.List;

/**
 * One page of a {@link KvStore#scan}. {@code more} is true when the range may hold keys after the
 * last one returned; pass {@link #next()} as {@code after} to continue.
 */
public record ScanPage(List<Versioned> entries, boolean more) {

  public ScanPage {
    entries = List.copyOf(entries);
  }

  /** The resume point: the last key of this page, or null if the page is empty. */
  public byte[] next() {
    return entries.isEmpty() ? null : entries.get(entries.size() - 1).key();
  }
}
