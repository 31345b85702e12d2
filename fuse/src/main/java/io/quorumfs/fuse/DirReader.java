package io.quorumfs.fuse;

import io.quorumfs.fs.DirEntry;
import io.quorumfs.fs.DirPage;
import io.quorumfs.fs.FileSystem;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One open directory: streams fs-core's paginated listing to libfuse's readdir, which resumes at
 * an offset we chose. Offsets are positions in the listing (1 ".", 2 "..", then the entries made
 * up by the mount table, then the directory's own entries), so a resume continues from the page
 * already fetched; only a seek backwards re-reads from the start. Names shadowed by a mount table
 * entry are skipped.
 */
final class DirReader {
  /** One name to hand to the kernel. */
  record Item(String name, long stIno, int type) {}

  // Entries per fs-core readdir call: one store scan each (a round trip on raft://).
  private static final int PAGE = 1024;

  private final FileSystem fs; // null for a made-up directory
  private final long ino;
  private final List<Item> fixed; // ".", "..", mount-table children
  private final Set<String> shadowed;
  private final List<Item> page = new ArrayList<>();
  private long pageFirst; // listing index (0-based, own entries) of page.get(0)
  private boolean more = true;
  private boolean started;
  private final Namespace.Volume vol;

  DirReader(Namespace.Volume vol, long ino, List<Item> fixed, Set<String> shadowed) {
    this.vol = vol;
    this.fs = vol == null ? null : vol.fs();
    this.ino = ino;
    this.fixed = List.copyOf(fixed);
    this.shadowed = shadowed;
  }

  /** Receives items; returns false when the kernel's buffer is full (the item was not taken). */
  interface Sink {
    boolean accept(Item item, long offset);
  }

  /** Emits items from the one after {@code offset} (0 = from the start) until the sink is full. */
  synchronized void read(long offset, Sink sink) {
    long next = offset; // 0-based position of the next item
    while (next < fixed.size()) {
      if (!sink.accept(fixed.get((int) next), next + 1)) {
        return;
      }
      next++;
    }
    if (fs == null) {
      return;
    }
    long index = next - fixed.size();
    while (true) {
      if (!ensure(index)) {
        return;
      }
      Item item = page.get((int) (index - pageFirst));
      if (!sink.accept(item, fixed.size() + index + 1)) {
        return;
      }
      index++;
    }
  }

  /** Makes {@code index} part of the fetched page; false at the end of the listing. */
  private boolean ensure(long index) {
    if (!started || index < pageFirst) {
      started = true;
      page.clear();
      pageFirst = 0;
      more = true;
      fetch(null);
    }
    while (index >= pageFirst + page.size()) {
      if (!more) {
        return false;
      }
      String after = page.isEmpty() ? null : page.get(page.size() - 1).name();
      pageFirst += page.size();
      page.clear();
      fetch(after);
      if (page.isEmpty() && after != null && !more) {
        return false;
      }
    }
    return true;
  }

  private void fetch(String after) {
    String cursor = after;
    while (page.isEmpty()) {
      DirPage p = fs.readdir(ino, cursor, PAGE);
      for (DirEntry e : p.entries()) {
        if (!shadowed.contains(e.name())) {
          page.add(new Item(e.name(), vol.stIno(e.ino()), e.type()));
        }
      }
      more = p.more() && !p.entries().isEmpty();
      if (!more) {
        return;
      }
      cursor = p.next();
    }
  }
}
