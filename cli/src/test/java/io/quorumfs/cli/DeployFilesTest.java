package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.cli.config.ConfigKeys;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The systemd units shipped in deploy/systemd: what docs/deploy.md shows, accepted by
 * {@code systemd-analyze verify} without a warning, no value carrying a would-be comment, and
 * every QUORUMFS_ variable they set a real config key's.
 */
class DeployFilesTest {
  private static final Path UNITS = Path.of("..", "deploy", "systemd");

  private static List<Path> units() throws IOException {
    try (Stream<Path> s = Files.list(UNITS)) {
      List<Path> out = s.filter(p -> p.toString().endsWith(".service")).sorted().toList();
      assertEquals(3, out.size(), "units in " + UNITS + ": " + out);
      return out;
    }
  }

  @Test
  void docsShowEveryUnitVerbatim() throws IOException {
    String doc = Files.readString(Path.of("..", "docs", "deploy.md"));
    for (Path u : units()) {
      assertTrue(doc.contains("```ini\n" + Files.readString(u) + "```"),
          "docs/deploy.md does not show " + u.getFileName() + " as it is in " + UNITS);
    }
  }

  @Test
  void noValueCarriesATrailingComment_andEveryVariableIsAConfigKeys() throws IOException {
    for (Path u : units()) {
      for (String line : Files.readAllLines(u)) {
        if (!line.startsWith("#") && line.contains("=")) {
          assertTrue(!line.contains(" #") && !line.contains("\t#"),
              u.getFileName() + ": systemd would read this comment as part of the value: " + line);
        }
        if (line.startsWith("Environment=QUORUMFS_")) {
          String var = line.substring("Environment=".length(), line.indexOf('=', "Environment=".length()));
          assertTrue(var.equals("QUORUMFS_CONFIG") // the config file itself (ConfigOptions)
              || ConfigKeys.all().values().stream().anyMatch(k -> k.envName().equals(var)),
              u.getFileName() + " sets " + var + ", which no config key reads");
        }
      }
    }
  }

  @Test
  void systemdAnalyzeVerify_acceptsEveryUnitWithoutAWarning() throws Exception {
    for (Path u : units()) {
      List<String> cmd = new ArrayList<>(List.of("systemd-analyze", "verify", u.toAbsolutePath().toString()));
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "systemd-analyze verify did not finish");
      assertEquals(0, p.exitValue(), u.getFileName() + ": " + out);
      assertEquals("", out.strip(), u.getFileName() + ": systemd-analyze verify warned");
    }
  }
}
