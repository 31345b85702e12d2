package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.quorumfs.cli.metrics.ExpositionValidator;
import io.quorumfs.cli.metrics.GrafanaDashboard;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Properties;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard {@code deploy/grafana/quorumfs.json} queries only metrics a real
 * deployment exports: {@code bin/quorumfs up} with a write-back mount (replicas, FUSE mount,
 * outbox in one process) serves files, then every metric name and name regex of the dashboard's
 * queries must be answered by its scrape. About 20-30 s.
 */
class UpDashboardIT {

  private Path dir;
  private Launcher.Started up;

  @AfterEach
  void cleanUp() throws Exception {
    Launcher.stopAndDelete(up, dir);
  }

  @Test
  void dashboard_queriesOnlyMetricsARealDeploymentExports() throws Exception {
    GrafanaDashboard dashboard = GrafanaDashboard.ofRepository();
    assertTrue(dashboard.names.contains("quorumfs_fuse_op_seconds_count"), dashboard.exprs.toString());
    assertTrue(dashboard.names.contains("quorumfs_mount_outbox_backlog"), dashboard.exprs.toString());

    dir = Files.createTempDirectory("quorumfs-dashboard-it");
    Path mnt = dir.resolve("mnt");
    Path config = dir.resolve("quorumfs.yaml");
    Files.writeString(config, "mount.write-back: true\n");
    up = Launcher.start(dir, "up", "up", mnt.toString(), "--config", config.toString(),
        "--data-dir", dir.resolve("data").toString(), "--metrics-listen", "127.0.0.1:0");
    assertTrue(Launcher.waitFor(Duration.ofSeconds(300), () -> stdout().contains("READY")
        || !up.process().isAlive()), "up did not get ready: " + up.stderr());
    assertTrue(up.process().isAlive(), "up exited: " + up.stdout() + up.stderr());

    // some of every kind of work: FUSE ops, metadata commits and reads, blob uploads
    for (int i = 0; i < 20; i++) {
      Files.writeString(mnt.resolve("f" + i), "file " + i + "\n");
      assertEquals("file " + i + "\n", Files.readString(mnt.resolve("f" + i)));
    }
    Files.exists(mnt.resolve("absent")); // a failed lookup

    Properties state = new Properties();
    try (var r = Files.newBufferedReader(dir.resolve("data").resolve("up.properties"))) {
      state.load(r);
    }
    String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create(state.getProperty("metrics.url"))).build(),
        HttpResponse.BodyHandlers.ofString()).body();
    ExpositionValidator v = new ExpositionValidator();
    assertEquals(List.of(), v.validate(body));
    assertEquals(List.of(), dashboard.missingFrom(GrafanaDashboard.sampleNames(v.samples.keySet())),
        "dashboard queries metrics the scrape lacks");
  }

  private String stdout() {
    try {
      return up.stdout();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
