package io.quorumfs.cli.config;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** docs/config.md documents every key with its default and its environment variable. */
class ConfigDocsTest {

  @Test
  void everyKey_isDocumentedWithItsDefaultAndVariable() throws IOException {
    String doc = Files.readString(Path.of("..", "docs", "config.md"));
    for (ConfigKey k : ConfigKeys.all().values()) {
      String def = k.defaultValue().isEmpty() ? "(unset)" : "`" + k.defaultValue() + "`";
      String row = "| `" + k.name() + "` | " + def + " | `" + k.envName() + "` |";
      assertTrue(doc.contains(row), "docs/config.md lacks the row starting: " + row);
    }
  }
}
