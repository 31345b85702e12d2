package io.quorumfs.fuse;

import java.nio.file.Path;
import java.time.Duration;

/** Child-process entry for signal tests: mounts {@link StubFs} on args[0], flush marker args[1]. */
public final class StubMountMain {
  private StubMountMain() {}

  public static void main(String[] args) throws Exception {
    MountHandle h = FuseSession.start(new StubFs(Duration.ofSeconds(30), Path.of(args[1])), Path.of(args[0]),
        MountOptions.defaults());
    System.out.println("MOUNTED");
    System.out.flush();
    h.awaitUnmount();
  }
}
