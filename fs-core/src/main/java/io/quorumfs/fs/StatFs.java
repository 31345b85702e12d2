package io.quorumfs.fs;

/**
 * What {@code statfs(2)} reports. Blocks are in units of {@code bsize}; {@code namemax} is 255.
 */
public record StatFs(long bsize, long frsize, long blocks, long bfree, long bavail, long files,
    long ffree, int namemax) {}
