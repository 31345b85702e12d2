package io.quorumfs.fuse;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Close-to-open checks between two mounts of one file system, with no pause between steps: what a
 * close (or unlink) returned on one mount must be seen by an open, stat or create started
 * afterwards on the other. Each trial uses a fresh name in {@code dir} (seen as {@code dirA} and
 * {@code dirB} through the two mounts) and alternates which mount writes. Kinds of trial:
 *
 * <ul>
 *   <li>{@code overwrite}: the writer replaces the file's content with O_TRUNC and closes; the
 *       reader (which read the old content just before) opens at once and must read exactly the
 *       new content, and stat the new size. New sizes are sometimes equal to the old ones.</li>
 *   <li>{@code append}: the two mounts append in turns, each closing; after each append the other
 *       must stat and read the full length and content.</li>
 *   <li>{@code unlink}: the writer unlinks a file the reader has read; the reader's open must fail
 *       with ENOENT.</li>
 *   <li>{@code recreate}: the reader unlinks what the writer made (and the writer has just
 *       stat'ed); the writer's open(O_CREAT|O_EXCL) of the name must succeed, and the reader must
 *       then read the new file.</li>
 *   <li>{@code rename}: the writer renames a new file over an existing one the reader has read;
 *       the reader must read the new content under the target name and find the source gone.</li>
 *   <li>{@code mkdir}: the writer makes a directory; the reader must stat it as a directory and
 *       create a file in it; the writer removes both; the reader must find the directory gone.</li>
 *   <li>{@code chmod}: the writer changes a file's mode and mtime (chmod, utimens); the reader's
 *       stat must show both at once.</li>
 * </ul>
 *
 * Every violation is recorded with its trial number, kind, writing mount and what was seen; the
 * checker goes on with the next trial. Not thread-safe; one checker per directory.
 */
final class CoherenceChecker {
  enum Kind { OVERWRITE, APPEND, UNLINK, RECREATE, RENAME, MKDIR, CHMOD }

  private final Path dirA;
  private final Path dirB;
  private final Random random;
  private final List<String> violations = new ArrayList<>();
  private final int[] trialsByKind = new int[Kind.values().length];

  CoherenceChecker(Path dirA, Path dirB, long seed) {
    this.dirA = dirA;
    this.dirB = dirB;
    this.random = new Random(seed);
  }

  /** Trials run so far (numbers and names go on across {@link #run} calls). */
  private int done;

  /** Runs {@code trials} more random trials; returns the violations seen so far. */
  List<String> run(int trials) throws IOException {
    for (int end = done + trials; done < end; done++) {
      Kind kind = Kind.values()[random.nextInt(Kind.values().length)];
      boolean aWrites = done % 2 == 0;
      trial(done, kind, aWrites);
    }
    return violations;
  }

  List<String> violations() {
    return violations;
  }

  String summary() {
    StringBuilder s = new StringBuilder();
    for (Kind k : Kind.values()) {
      s.append(k.name().toLowerCase()).append('=').append(trialsByKind[k.ordinal()]).append(' ');
    }
    return s.append("violations=").append(violations.size()).toString();
  }

  private void trial(int t, Kind kind, boolean aWrites) throws IOException {
    trialsByKind[kind.ordinal()]++;
    String name = "t" + t;
    Path w = (aWrites ? dirA : dirB).resolve(name);
    Path r = (aWrites ? dirB : dirA).resolve(name);
    Trial tr = new Trial(t, kind, aWrites ? "A" : "B");
    try {
      switch (kind) {
        case OVERWRITE -> overwrite(tr, w, r);
        case APPEND -> append(tr, w, r);
        case UNLINK -> unlink(tr, w, r);
        case RECREATE -> recreate(tr, w, r);
        case RENAME -> rename(tr, w, r);
        case MKDIR -> mkdir(tr, w, r);
        case CHMOD -> chmod(tr, w, r);
      }
    } catch (IOException | RuntimeException e) {
      tr.violation("unexpected " + e);
    } finally {
      Files.deleteIfExists(w.resolveSibling(w.getFileName() + ".src"));
      if (Files.isDirectory(w, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        try (var in = Files.list(w)) {
          for (Path p : (Iterable<Path>) in::iterator) {
            Files.deleteIfExists(p);
          }
        }
      }
      Files.deleteIfExists(w); // both mounts' views agree by the next trial (its own name anyway)
    }
  }

  private void rename(Trial tr, Path w, Path r) throws IOException {
    byte[] old = content(1 + random.nextInt(8192));
    Files.write(w, old);
    tr.expectContent("read of the target before the rename", r, old);
    Path src = w.resolveSibling(w.getFileName() + ".src");
    byte[] now = content(1 + random.nextInt(8192));
    Files.write(src, now);
    Files.move(src, w, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    tr.expectContent("read of the target after rename over it", r, now);
    if (Files.exists(r.resolveSibling(r.getFileName() + ".src"), java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      tr.violation("the rename's source still exists on the other mount");
    }
  }

  private void mkdir(Trial tr, Path w, Path r) throws IOException {
    Files.createDirectory(w);
    if (!Files.isDirectory(r, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      tr.violation("stat after mkdir on the other mount: not a directory (or ENOENT)");
      return;
    }
    byte[] c = content(1 + random.nextInt(1024));
    try {
      Files.write(r.resolve("inner"), c);
    } catch (NoSuchFileException e) {
      tr.violation("create inside a directory just made on the other mount: ENOENT");
      return;
    }
    tr.expectContent("read inside the directory made here, written there", w.resolve("inner"), c);
    Files.delete(w.resolve("inner"));
    Files.delete(w);
    if (Files.exists(r, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      tr.violation("stat after rmdir on the other mount: the directory still exists");
    }
  }

  private void chmod(Trial tr, Path w, Path r) throws IOException {
    Files.write(w, content(1 + random.nextInt(1024)));
    tr.expectSize("stat after create", r, Files.size(w));
    java.util.Set<java.nio.file.attribute.PosixFilePermission> perms = java.nio.file.attribute.PosixFilePermissions
        .fromString(random.nextBoolean() ? "rw-------" : "rwxr-x---");
    Files.setPosixFilePermissions(w, perms);
    java.nio.file.attribute.FileTime mtime = java.nio.file.attribute.FileTime.fromMillis(
        1_600_000_000_000L + random.nextInt(1_000_000_000));
    Files.setLastModifiedTime(w, mtime);
    java.util.Set<java.nio.file.attribute.PosixFilePermission> seen = Files.getPosixFilePermissions(r);
    if (!seen.equals(perms)) {
      tr.violation("mode after chmod on the other mount: " + java.nio.file.attribute.PosixFilePermissions.toString(seen)
          + ", expected " + java.nio.file.attribute.PosixFilePermissions.toString(perms));
    }
    java.nio.file.attribute.FileTime seenTime = Files.getLastModifiedTime(r);
    if (seenTime.toMillis() != mtime.toMillis()) {
      tr.violation("mtime after utimens on the other mount: " + seenTime + ", expected " + mtime);
    }
  }

  private void overwrite(Trial tr, Path w, Path r) throws IOException {
    byte[] old = content(1 + random.nextInt(64 << 10));
    Files.write(w, old);
    tr.expectContent("read after create", r, old);
    byte[] now = content(random.nextBoolean() ? old.length : 1 + random.nextInt(64 << 10));
    Files.write(w, now, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
    tr.expectContent("read after O_TRUNC overwrite", r, now);
    tr.expectSize("stat after O_TRUNC overwrite", r, now.length);
  }

  private void append(Trial tr, Path w, Path r) throws IOException {
    byte[] all = content(1 + random.nextInt(16 << 10));
    Files.write(w, all);
    tr.expectContent("read after create", r, all);
    Path[] turn = {r, w};
    int rounds = 2 + random.nextInt(3);
    for (int i = 0; i < rounds; i++) {
      Path writer = turn[i % 2];
      Path other = turn[(i + 1) % 2];
      byte[] more = content(1 + random.nextInt(16 << 10));
      Files.write(writer, more, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
      byte[] next = Arrays.copyOf(all, all.length + more.length);
      System.arraycopy(more, 0, next, all.length, more.length);
      all = next;
      tr.expectSize("stat after append " + (i + 1) + " by the other mount", other, all.length);
      tr.expectContent("read after append " + (i + 1) + " by the other mount", other, all);
    }
  }

  private void unlink(Trial tr, Path w, Path r) throws IOException {
    byte[] c = content(1 + random.nextInt(4096));
    Files.write(w, c);
    tr.expectContent("read after create", r, c);
    Files.delete(w);
    FileChannel opened;
    try {
      opened = FileChannel.open(r, StandardOpenOption.READ);
    } catch (NoSuchFileException expected) {
      return; // ENOENT
    }
    try (FileChannel ch = opened) {
      String size;
      try {
        size = "size " + ch.size();
      } catch (IOException e) {
        size = "then fstat: " + e.getMessage();
      }
      tr.violation("open after unlink on the other mount succeeded (" + size + ")");
    }
  }

  private void recreate(Trial tr, Path w, Path r) throws IOException {
    byte[] c = content(1 + random.nextInt(4096));
    Files.write(w, c);
    tr.expectSize("writer's stat after create", w, c.length);
    tr.expectContent("read after create", r, c);
    Files.delete(r);
    byte[] now = content(1 + random.nextInt(4096));
    try (FileChannel ch = FileChannel.open(w, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(now));
    } catch (java.nio.file.FileAlreadyExistsException e) {
      tr.violation("open(O_CREAT|O_EXCL) after unlink on the other mount: EEXIST");
      return;
    }
    tr.expectContent("read of the re-created file", r, now);
  }

  private byte[] content(int length) {
    byte[] b = new byte[length];
    random.nextBytes(b);
    return b;
  }

  /** One trial's context for its violation messages. */
  private final class Trial {
    private final int number;
    private final Kind kind;
    private final String writer;

    Trial(int number, Kind kind, String writer) {
      this.number = number;
      this.kind = kind;
      this.writer = writer;
    }

    void violation(String what) {
      violations.add("trial " + number + " (" + kind.name().toLowerCase() + ", " + writer + " writes): " + what);
    }

    void expectContent(String step, Path p, byte[] want) throws IOException {
      byte[] got;
      try {
        got = Files.readAllBytes(p);
      } catch (NoSuchFileException e) {
        violation(step + ": ENOENT, expected " + want.length + " bytes");
        return;
      }
      if (!Arrays.equals(got, want)) {
        int diff = Arrays.mismatch(got, want);
        violation(step + ": read " + got.length + " bytes, expected " + want.length + " (first difference at byte "
            + diff + ")");
      }
    }

    void expectSize(String step, Path p, long want) throws IOException {
      long got;
      try {
        got = Files.size(p);
      } catch (NoSuchFileException e) {
        violation(step + ": ENOENT, expected size " + want);
        return;
      }
      if (got != want) {
        violation(step + ": size " + got + ", expected " + want);
      }
    }
  }
}
