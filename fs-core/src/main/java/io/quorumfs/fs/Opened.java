package io.quorumfs.fs;

/** The result of {@link FileSystem#create}: the new file's attributes and an open handle on it. */
public record Opened(Attr attr, long fh) {}
