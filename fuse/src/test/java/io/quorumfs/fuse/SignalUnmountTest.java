package io.quorumfs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** SIGTERM/SIGINT to a mounting JVM flush open files and unmount cleanly. */
class SignalUnmountTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"TERM", "INT"})
  void signal_flushesAndUnmounts(String signal) throws Exception {
    Path mnt = Files.createDirectories(tmp.resolve("mnt"));
    Path marker = tmp.resolve("flushed");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    // env --default-signal: a JVM cannot catch a signal it inherited as ignored (Maven started
    // in the background by a script runs with SIGINT ignored); Ctrl-C on a terminal never is.
    Process child = new ProcessBuilder("env", "--default-signal=INT", java, "-Xmx256m", "-cp", System.getProperty("java.class.path"),
        StubMountMain.class.getName(), mnt.toString(), marker.toString()).redirectErrorStream(true).start();
    try {
      BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream()));
      String line;
      StringBuilder seen = new StringBuilder();
      while ((line = out.readLine()) != null && !line.equals("MOUNTED")) {
        seen.append(line).append('\n');
      }
      assertEquals("MOUNTED", line, seen.toString());
      assertEquals("hello\n", Files.readString(mnt.resolve("hello")));
      new ProcessBuilder(List.of("kill", "-" + signal, Long.toString(child.pid()))).start().waitFor();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS), "child did not exit after SIG" + signal);
      assertFalse(Mounts.isMounted(mnt));
      assertEquals("flushed", Files.readString(marker));
    } finally {
      child.destroyForcibly();
      child.waitFor(10, TimeUnit.SECONDS);
      Mounts.forceUnmount(mnt);
      assertFalse(Mounts.isMounted(mnt));
    }
  }
}
