package io.quorumfs.cli.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class PrometheusTextTest {

  private static MetricRegistry sampleRegistry() {
    MetricRegistry r = new MetricRegistry();
    r.counter("fs.ops.create").inc(7);
    r.register("cache.hit-ratio", (Gauge<Double>) () -> 0.75);
    r.register("meta.leader", (Gauge<Boolean>) () -> true);
    r.register("meta.name", (Gauge<String>) () -> "not a number");
    r.register("feed.lag", (Gauge<Long>) () -> 12L);
    r.register("broken", (Gauge<Long>) () -> {
      throw new IllegalStateException("boom");
    });
    r.register("nan", (Gauge<Double>) () -> Double.NaN);
    r.register("inf", (Gauge<Double>) () -> Double.POSITIVE_INFINITY);
    for (int i = 1; i <= 100; i++) {
      r.histogram("blob.put.bytes").update(i * 1000L);
    }
    Timer t = r.timer("fs.op/getattr latency");
    for (int i = 1; i <= 10; i++) {
      t.update(i, TimeUnit.MILLISECONDS);
    }
    r.meter("blob.bytes.in").mark(4096);
    r.counter("weird\nname\"with\\stuff").inc();
    return r;
  }

  @Test
  void exposition_isValidTextFormat_lineByLine() throws Exception {
    StringWriter w = new StringWriter();
    PrometheusText.write(List.of(sampleRegistry()), w);
    String text = w.toString();
    ExpositionValidator v = new ExpositionValidator();
    assertEquals(List.of(), v.validate(text), text);

    assertEquals("counter", v.types.get("quorumfs_fs_ops_create_total"));
    assertEquals(7.0, v.samples.get("quorumfs_fs_ops_create_total"));
    assertEquals(0.75, v.samples.get("quorumfs_cache_hit_ratio"));
    assertEquals(1.0, v.samples.get("quorumfs_meta_leader"));
    assertEquals(12.0, v.samples.get("quorumfs_feed_lag"));
    assertTrue(Double.isNaN(v.samples.get("quorumfs_nan")));
    assertEquals(Double.POSITIVE_INFINITY, v.samples.get("quorumfs_inf"));
    assertTrue(!text.contains("meta_name") && !text.contains("quorumfs_broken"), text);

    assertEquals("summary", v.types.get("quorumfs_blob_put_bytes"));
    assertEquals(100.0, v.samples.get("quorumfs_blob_put_bytes_count"));
    assertEquals(50_000.0, v.samples.get("quorumfs_blob_put_bytes{quantile=\"0.5\"}"), 1000.0);
    assertEquals(5_050_000.0, v.samples.get("quorumfs_blob_put_bytes_sum"), 1.0);

    assertEquals("summary", v.types.get("quorumfs_fs_op_getattr_latency_seconds"));
    assertEquals(10.0, v.samples.get("quorumfs_fs_op_getattr_latency_seconds_count"));
    assertEquals(0.010, v.samples.get("quorumfs_fs_op_getattr_latency_seconds{quantile=\"0.999\"}"),
        1e-9);
    assertEquals(0.055, v.samples.get("quorumfs_fs_op_getattr_latency_seconds_sum"), 1e-9);

    assertEquals(4096.0, v.samples.get("quorumfs_blob_bytes_in_total"));
    assertEquals("gauge", v.types.get("quorumfs_blob_bytes_in_rate1m"));
    assertEquals(1.0, v.samples.get("quorumfs_weird_name_with_stuff_total"));
    assertTrue(text.contains("# HELP quorumfs_weird_name_with_stuff_total weird\\nname\"with\\\\stuff\n"));
  }

  @Test
  void validator_rejectsBrokenText() {
    assertTrue(!new ExpositionValidator().validate("x 1").isEmpty(), "no newline, no TYPE");
    assertTrue(!new ExpositionValidator().validate("# TYPE x counter\nx one\n").isEmpty());
    assertTrue(!new ExpositionValidator().validate("# TYPE x gauge\nx{a=\"b} 1\n").isEmpty());
    assertTrue(!new ExpositionValidator().validate("# TYPE 1x gauge\n1x 1\n").isEmpty());
    assertTrue(!new ExpositionValidator().validate("# TYPE x summary\nx 1\n").isEmpty());
    assertTrue(!new ExpositionValidator()
        .validate("# TYPE x gauge\nx 1\n# TYPE y gauge\ny 1\nx 2\n").isEmpty());
    assertEquals(List.of(), new ExpositionValidator()
        .validate("# HELP x a\n# TYPE x gauge\nx{a=\"q\\\"\",b=\"c\"} -1.5e3 1700000000\n"));
  }

  @Test
  void sanitize_makesLegalNames() {
    assertEquals("quorumfs_fs_ops_create", PrometheusText.sanitize("fs.ops.create"));
    assertEquals("quorumfs_a_b", PrometheusText.sanitize("..a--b.."));
    assertEquals("quorumfs_9lives", PrometheusText.sanitize("9lives"));
    assertEquals("quorumfs_x", PrometheusText.sanitize("quorumfs_x"));
  }

  @Test
  void endpoint_servesMetricsOverHttp_andValidates() throws Exception {
    MetricRegistry r = sampleRegistry();
    try (MetricsEndpoint e = MetricsEndpoint.start(new InetSocketAddress("127.0.0.1", 0),
        () -> List.of(r))) {
      HttpClient http = HttpClient.newHttpClient();
      HttpResponse<String> resp = http.send(HttpRequest.newBuilder(URI.create(e.url())).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(200, resp.statusCode());
      assertEquals(PrometheusText.CONTENT_TYPE, resp.headers().firstValue("Content-Type").orElse(""));
      assertEquals(List.of(), new ExpositionValidator().validate(resp.body()));
      HttpResponse<String> missing = http.send(HttpRequest.newBuilder(
          URI.create(e.url().replace("/metrics", "/nope"))).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(404, missing.statusCode());
    }
  }

  @Test
  void processMetrics_registersJvmGauges_andServesThem() throws Exception {
    try (ProcessMetrics pm = ProcessMetrics.start(java.util.Optional.of("127.0.0.1:0"), true)) {
      String url = pm.url().orElseThrow();
      String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      ExpositionValidator v = new ExpositionValidator();
      assertEquals(List.of(), v.validate(body));
      assertTrue(v.samples.get("quorumfs_jvm_heap_used") > 0, body);
    }
  }
}
