package io.quorumfs.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class SmallPartsTest {

  @Test
  void chunkCache_isTheConfiguredSize_butNeverAboveAQuarterOfTheHeap() {
    assertEquals(64L << 20, Mounts.chunkCacheBytes(64L << 20, 1L << 30));
    assertEquals(256L << 20, Mounts.chunkCacheBytes(256L << 20, 1L << 30));
    assertEquals(256L << 20, Mounts.chunkCacheBytes(1L << 30, 1L << 30), "1 GiB cache, 1 GiB heap");
    assertEquals(64L << 20, Mounts.chunkCacheBytes(1L << 30, 256L << 20), "1 GiB cache, 256 MiB heap");
  }

  @Test
  void stats_computesPerSecondRatesAndP99() {
    StatsCommand.Sample a = StatsCommand.parse("# TYPE quorumfs_ops_total counter\n"
        + "quorumfs_ops_total 100\n# TYPE quorumfs_lat_seconds summary\n"
        + "quorumfs_lat_seconds{quantile=\"0.99\"} 0.002\nquorumfs_lat_seconds_sum 1\n"
        + "quorumfs_lat_seconds_count 10\n# TYPE quorumfs_lag gauge\nquorumfs_lag 7\n");
    StatsCommand.Sample b = StatsCommand.parse("# TYPE quorumfs_ops_total counter\n"
        + "quorumfs_ops_total 300\n# TYPE quorumfs_lat_seconds summary\n"
        + "quorumfs_lat_seconds{quantile=\"0.99\"} 0.004\nquorumfs_lat_seconds_sum 2\n"
        + "quorumfs_lat_seconds_count 50\n# TYPE quorumfs_lag gauge\nquorumfs_lag 3\n");
    String text = StatsCommand.render(a, b, 2.0, null);
    assertTrue(Pattern.compile("quorumfs_ops_total\\s+300\\s+100\\n").matcher(text).find(), text);
    assertTrue(Pattern.compile("quorumfs_lat_seconds\\s+50\\s+20\\s+4\\.000 ms").matcher(text).find(),
        text);
    assertTrue(Pattern.compile("quorumfs_lag\\s+3\\n").matcher(text).find(), text);
    assertTrue(!StatsCommand.render(a, b, 2.0, Pattern.compile("lag")).contains("ops_total"));
  }

  @Test
  void stats_readsLabelledFamilies_andShowsHitRatios() {
    String before = "# TYPE q_fs_cache counter\nq_fs_cache_total{event=\"hits\"} 10\n"
        + "q_fs_cache_total{event=\"misses\"} 10\n# TYPE q_fs_store_seconds summary\n"
        + "q_fs_store_seconds{op=\"commit\",quantile=\"0.99\"} 0.003\n"
        + "q_fs_store_seconds_count{op=\"commit\"} 10\n";
    String after = "# TYPE q_fs_cache counter\nq_fs_cache_total{event=\"misses\"} 12\n"
        + "q_fs_cache_total{event=\"hits\"} 28\n# TYPE q_fs_store_seconds summary\n"
        + "q_fs_store_seconds{quantile=\"0.99\",op=\"commit\"} 0.005\n"
        + "q_fs_store_seconds_count{op=\"commit\"} 30\n";
    String text = StatsCommand.render(StatsCommand.parse(before), StatsCommand.parse(after), 2.0, null);
    assertTrue(Pattern.compile("q_fs_cache_total\\{event=\"hits\"\\}\\s+28\\s+9\\n").matcher(text).find(), text);
    assertTrue(Pattern.compile("q_fs_store_seconds\\{op=\"commit\"\\}\\s+30\\s+10\\s+5\\.000 ms").matcher(text).find(), text);
    assertTrue(Pattern.compile("q_fs_cache_hit_ratio\\s+0\\.700\\s+0\\.900").matcher(text).find(), text);
  }

  @Test
  void progress_withoutTerminal_printsDecilesOnce() {
    StringWriter w = new StringWriter();
    long[] now = {0};
    Progress p = new Progress(new PrintWriter(w), "gc", 20, false, () -> now[0]);
    for (int i = 0; i < 20; i++) {
      p.advance(1);
    }
    p.finish();
    String[] lines = w.toString().split("\n");
    assertEquals(11, lines.length, w.toString());
    assertEquals("gc         [##############################] 100% 20/20", lines[10]);
  }

  @Test
  void mountName_isTheFirstAddress() {
    assertEquals("127.0.0.1:9870", Mounts.name("raft://127.0.0.1:9870,127.0.0.1:9871?group=x"));
    assertEquals("/var/q", Mounts.name("rocks:///var/q"));
    assertEquals("mem:", Mounts.name("mem:"));
  }

  @Test
  void table_alignsColumns() {
    assertEquals("A    BB\nxxx  y\n", new Table("A", "BB").row("xxx", "y").toString());
  }
}
