package io.quorumfs.cli.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The metrics endpoint: valid Prometheus text, quorumfs names, JVM metrics, health. */
class MetricsEndpointTest {

  private static MetricRegistry sampleRegistry() {
    MetricRegistry r = new MetricRegistry();
    r.counter("fs.cache.hits").inc(30);
    r.counter("fs.cache.misses").inc(10);
    r.counter("fs.barrier.leased").inc(7);
    r.register("feed.lag", (Gauge<Long>) () -> 12L);
    r.register("meta.leader", (Gauge<Boolean>) () -> true);
    Timer commit = r.timer("fs.store.commit");
    Timer get = r.timer("fs.store.get");
    for (int i = 1; i <= 10; i++) {
      commit.update(i, TimeUnit.MILLISECONDS);
      get.update(i, TimeUnit.MICROSECONDS);
    }
    r.meter("blob.bytes.in").mark(4096);
    r.timer("blob.put").update(3, TimeUnit.MILLISECONDS);
    return r;
  }

  private static String get(HttpClient http, String url) throws Exception {
    HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, resp.statusCode(), url);
    return resp.body();
  }

  @Test
  void endpoint_servesValidTextWithQuorumfsFamiliesAndJvmMetrics() throws Exception {
    MetricRegistry r = sampleRegistry();
    try (MetricsEndpoint e = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0),
        () -> List.of(r))) {
      HttpClient http = HttpClient.newHttpClient();
      String body = get(http, e.url());
      ExpositionValidator v = new ExpositionValidator();
      assertEquals(List.of(), v.validate(body), body);

      assertEquals("counter", v.types.get("quorumfs_fs_cache_hits_total"), body);
      assertEquals(30.0, v.samples.get("quorumfs_fs_cache_hits_total"), body);
      assertEquals(10.0, v.samples.get("quorumfs_fs_cache_misses_total"), body);
      assertEquals(7.0, v.samples.get("quorumfs_fs_barrier_leased_total"), body);
      assertEquals(12.0, v.samples.get("quorumfs_feed_lag"), body);
      assertEquals(1.0, v.samples.get("quorumfs_meta_leader"), body);

      assertEquals("summary", v.types.get("quorumfs_fs_store_commit_seconds"), body);
      assertEquals(10.0, v.samples.get("quorumfs_fs_store_commit_seconds_count"), body);
      assertEquals(10.0, v.samples.get("quorumfs_fs_store_get_seconds_count"), body);
      assertEquals(0.010, v.samples.get("quorumfs_fs_store_commit_seconds{quantile=\"0.999\"}"), 1e-9, body);
      assertEquals(1.0, v.samples.get("quorumfs_blob_put_seconds_count"), body);
      assertEquals(4096.0, v.samples.get("quorumfs_blob_bytes_in_total"), body);

      assertNotNull(v.samples.get("jvm_threads_current"), body);
      assertTrue(v.samples.keySet().stream().anyMatch(k -> k.startsWith("jvm_memory_used_bytes{")), body);

      assertTrue(get(http, e.url().replace("/metrics", "/-/healthy")).toLowerCase().contains("healthy"));
    }
  }

  @Test
  void endpoint_exportsFuseOperationsAsOneLabelledFamilyEach() throws Exception {
    MetricRegistry r = sampleRegistry();
    // what fuse's Guard records: a timer, its total time and its failures, per operation
    for (String op : List.of("getattr", "write")) {
      for (int i = 1; i <= 4; i++) {
        r.timer("fuse.op." + op).update(i, TimeUnit.MILLISECONDS);
        r.counter("fuse.op." + op + ".nanos").inc(TimeUnit.MILLISECONDS.toNanos(i));
      }
    }
    r.counter("fuse.op.getattr.errors").inc(3);
    r.counter("fuse.op.write.errors");
    MetricRegistry other = new MetricRegistry();
    other.timer("fuse.op.getattr").update(1, TimeUnit.SECONDS); // a second registry: the first wins
    try (MetricsEndpoint e = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0),
        () -> List.of(r, other))) {
      String body = get(HttpClient.newHttpClient(), e.url());
      ExpositionValidator v = new ExpositionValidator();
      assertEquals(List.of(), v.validate(body), body);

      assertEquals("summary", v.types.get("quorumfs_fuse_op_seconds"), body);
      assertEquals("counter", v.types.get("quorumfs_fuse_op_errors_total"), body);
      assertEquals(1, count(body, "# TYPE quorumfs_fuse_op_seconds "), body);
      assertEquals(1, count(body, "# TYPE quorumfs_fuse_op_errors_total "), body);
      for (String line : body.split("\n")) {
        if (line.startsWith("quorumfs_fuse_op")) {
          assertTrue(line.matches("quorumfs_fuse_op_(seconds(_count|_sum)?|errors_total)\\{op=\"(getattr|write)\"(,quantile=\"[0-9.]+\")?\\} \\S+"),
              "a FUSE sample outside the two labelled families, or unlabelled: " + line);
        }
      }
      assertEquals(4.0, v.samples.get("quorumfs_fuse_op_seconds_count{op=\"getattr\"}"), body);
      assertEquals(0.010, v.samples.get("quorumfs_fuse_op_seconds_sum{op=\"write\"}"), 1e-9, body);
      assertEquals(0.004, v.samples.get("quorumfs_fuse_op_seconds{op=\"getattr\",quantile=\"0.99\"}"), 1e-9, body);
      assertEquals(3.0, v.samples.get("quorumfs_fuse_op_errors_total{op=\"getattr\"}"), body);
      assertEquals(0.0, v.samples.get("quorumfs_fuse_op_errors_total{op=\"write\"}"), body);
      // the rest still goes through the bridge
      assertEquals(30.0, v.samples.get("quorumfs_fs_cache_hits_total"), body);

    }
  }

  private static int count(String text, String part) {
    return text.split(java.util.regex.Pattern.quote(part), -1).length - 1;
  }

  @Test
  void endpoint_onIpv6Loopback() throws Exception {
    try (MetricsEndpoint e = MetricsEndpoint.start(new InetSocketAddress("::1", 0),
        () -> List.of(sampleRegistry()))) {
      assertTrue(e.url().startsWith("http://[0:0:0:0:0:0:0:1]:") || e.url().startsWith("http://[::1]:"), e.url());
      assertEquals(List.of(), new ExpositionValidator().validate(get(HttpClient.newHttpClient(), e.url())));
    }
  }

  @Test
  void validator_rejectsBrokenText() {
    assertTrue(!new ExpositionValidator().validate("x 1").isEmpty(), "no newline, no TYPE");
    assertTrue(!new ExpositionValidator().validate("# TYPE x counter\nx one\n").isEmpty());
    assertTrue(!new ExpositionValidator().validate("# TYPE x gauge\nx{a=\"b} 1\n").isEmpty());
    assertTrue(!new ExpositionValidator().validate("# TYPE 1x gauge\n1x 1\n").isEmpty());
    assertTrue(!new ExpositionValidator().validate("# TYPE x summary\nx 1\n").isEmpty());
    assertTrue(!new ExpositionValidator().validate("# TYPE x summary\nx{op=\"a\"} 1\n").isEmpty());
    assertEquals(List.of(), new ExpositionValidator()
        .validate("# TYPE x summary\nx{op=\"a\",quantile=\"0.5\"} 1\nx_count{op=\"a\"} 1\n"));
    assertTrue(!new ExpositionValidator()
        .validate("# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\nx 2\n").isEmpty());
    assertEquals(List.of(), new ExpositionValidator()
        .validate("# HELP x a\n# TYPE x gauge\nx{a=\"q\\\"\",b=\"c\"} -1.5e3 1700000000\n"));
  }

  @Test
  void processMetrics_servesItsRegistryAndTheJvms() throws Exception {
    try (ProcessMetrics pm = ProcessMetrics.start(java.util.Optional.of("127.0.0.1:0"), true)) {
      pm.registry().counter("fs.txn.commits").inc(3);
      String body = get(HttpClient.newHttpClient(), pm.url().orElseThrow());
      ExpositionValidator v = new ExpositionValidator();
      assertEquals(List.of(), v.validate(body));
      assertEquals(3.0, v.samples.get("quorumfs_fs_txn_commits_total"), body);
      assertTrue(v.samples.get("jvm_threads_current") > 0, body);
    }
  }
}
