package io.quorumfs.fuse;

import io.quorumfs.fs.Attr;
import ru.serce.jnrfuse.struct.FileStat;

/** Fills a native {@code struct stat} from fs-core attributes. */
final class Stats {
  private static final long NS = 1_000_000_000L;

  private Stats() {}

  /** {@code stIno} is the inode number the kernel sees (see {@link Namespace}). */
  static void fill(FileStat st, Attr a, long stIno) {
    st.st_ino.set(stIno);
    st.st_mode.set(a.mode());
    st.st_nlink.set(a.nlink());
    st.st_uid.set(a.uid());
    st.st_gid.set(a.gid());
    st.st_rdev.set(a.rdev());
    st.st_size.set(a.size());
    st.st_blocks.set(a.blocks());
    // The largest request the kernel sends us; cp, stdio and others size their buffers by it.
    st.st_blksize.set(MountOptions.MAX_WRITE);
    st.st_atim.tv_sec.set(Math.floorDiv(a.atimeNs(), NS));
    st.st_atim.tv_nsec.set(Math.floorMod(a.atimeNs(), NS));
    st.st_mtim.tv_sec.set(Math.floorDiv(a.mtimeNs(), NS));
    st.st_mtim.tv_nsec.set(Math.floorMod(a.mtimeNs(), NS));
    st.st_ctim.tv_sec.set(Math.floorDiv(a.ctimeNs(), NS));
    st.st_ctim.tv_nsec.set(Math.floorMod(a.ctimeNs(), NS));
  }
}
