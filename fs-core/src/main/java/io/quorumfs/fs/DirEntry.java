package io.quorumfs.fs;

/**
 * One entry of a directory listing ({@code "."} and {@code ".."} are not listed).
 *
 * @param type the type bits of the entry's mode ({@link Mode#S_IFREG}, {@link Mode#S_IFDIR}, ...)
 */
public record DirEntry(String name, long ino, int type) {}
