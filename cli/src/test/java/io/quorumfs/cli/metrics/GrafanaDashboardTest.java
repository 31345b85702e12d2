package io.quorumfs.cli.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The dashboard's shape and how its metric names are read; UpDashboardIT checks the names against
 * a real deployment's scrape.
 */
class GrafanaDashboardTest {

  @Test
  void dashboard_isGrafanaJson_everyPanelQueriesNamedMetrics() throws Exception {
    GrafanaDashboard d = GrafanaDashboard.ofRepository();
    assertEquals("quorumfs", d.json.path("uid").asText());
    Set<Integer> ids = new HashSet<>();
    for (JsonNode panel : d.json.path("panels")) {
      assertTrue(ids.add(panel.path("id").asInt()), "panel ids unique: " + panel.path("title"));
      assertFalse(panel.path("targets").isEmpty(), "a panel without queries: " + panel.path("title"));
      for (JsonNode t : panel.path("targets")) {
        String expr = t.path("expr").asText();
        assertFalse(GrafanaDashboard.namesIn(expr).isEmpty(), "no metric in " + expr);
      }
    }
    assertTrue(d.exprs.size() >= 10, d.exprs.toString());
  }

  @Test
  void missingFrom_readsNamesAndNameRegexes_notLabelsOrFunctions() throws Exception {
    Path f = Files.createTempFile("wt-dashboard", ".json");
    try {
      Files.writeString(f, "{\"panels\":[{\"targets\":[{\"expr\":"
          + "\"sum by (op) (rate(quorumfs_a_total{instance=~\\\"$instance\\\",x=\\\"quorumfs_not\\\"}[$__rate_interval]))"
          + " - max({__name__=~\\\"quorumfs_r_.*_index\\\"})\"}]}]}");
      GrafanaDashboard d = new GrafanaDashboard(f);
      assertEquals(Set.of("quorumfs_a_total"), d.names);
      assertEquals(Set.of("quorumfs_r_.*_index"), d.nameRegexes);
      assertEquals(List.of(), d.missingFrom(Set.of("quorumfs_a_total", "quorumfs_r_n1_g_index")));
      assertEquals(List.of("quorumfs_a_total", "__name__=~\"quorumfs_r_.*_index\""),
          d.missingFrom(Set.of("quorumfs_a", "quorumfs_r_index_x")));
    } finally {
      Files.delete(f);
    }
  }
}
