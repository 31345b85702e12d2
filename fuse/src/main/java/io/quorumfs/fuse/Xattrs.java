package io.quorumfs.fuse;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import jnr.ffi.Pointer;

/** The xattr calling conventions of the FUSE (and Linux) API. */
final class Xattrs {
  private Xattrs() {}

  /**
   * POSIX ACLs are not supported: the kernel (FUSE 7.19) passes them through as xattrs, and
   * storing them as plain data would make tools like {@code cp -a} believe an ACL (and so the mode)
   * was applied. EOPNOTSUPP makes them fall back to chmod.
   */
  static void refuseAcl(String name) {
    if (name.startsWith("system.posix_acl_")) {
      throw new Refused(Errors.EOPNOTSUPP, "POSIX ACLs are not supported: " + name);
    }
  }

  /** listxattr's format: each name NUL-terminated, back to back. */
  static byte[] nameList(List<String> names) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String name : names) {
      out.writeBytes(name.getBytes(StandardCharsets.UTF_8));
      out.write(0);
    }
    return out.toByteArray();
  }

  /** getxattr/listxattr protocol: size 0 asks for the length; a too-small buffer is ERANGE. */
  static int copyOut(byte[] data, Pointer dst, long size) {
    if (size == 0) {
      return data.length;
    }
    if (size < data.length) {
      return -Errors.ERANGE;
    }
    dst.put(0, data, 0, data.length);
    return data.length;
  }
}
