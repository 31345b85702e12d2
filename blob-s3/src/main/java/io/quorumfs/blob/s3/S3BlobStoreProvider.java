package io.quorumfs.blob.s3;

import io.quorumfs.blob.BlobException;
import io.quorumfs.blob.BlobStore;
import io.quorumfs.blob.BlobStoreProvider;
import io.quorumfs.blob.BlobUnavailableException;
import io.quorumfs.kv.UriQuery;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Opens {@code s3://bucket[/prefix][?options]}; registered through {@link java.util.ServiceLoader}.
 *
 * <p>Options: {@code endpoint} (an S3-compatible server, e.g. {@code http://127.0.0.1:9000}; default
 * AWS), {@code region} (default: the SDK's region chain, or us-east-1 with an endpoint),
 * {@code path-style} (true for most S3-compatible servers), {@code access-key} + {@code secret-key}
 * (default: the SDK's credential chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, ~/.aws, instance
 * roles), {@code retries} (attempts per request, SDK standard retry strategy, default 5),
 * {@code timeout} (seconds per call including retries, default 60), {@code threads} (concurrent
 * HEADs of missing/list/deleteIfOlder, default 16), {@code refresh} (stamp refresh interval in
 * seconds, default 3600), {@code allow-http} (an {@code http://} endpoint is accepted only on a
 * loopback host unless this is true; https is the default for everything else). Secrets are never
 * part of an error message or {@code toString()}.
 */
public final class S3BlobStoreProvider implements BlobStoreProvider {

  private static final Set<String> OPTIONS = Set.of("endpoint", "region", "path-style", "access-key", "secret-key",
      "retries", "timeout", "threads", "refresh", "allow-http");

  @Override
  public Set<String> schemes() {
    return Set.of("s3");
  }

  @Override
  public BlobStore open(URI uri) {
    return open(uri, Clock.systemUTC());
  }

  /** As {@link #open(URI)}, with stamps from {@code clock} (tests). */
  public static S3BlobStore open(URI uri, Clock clock) {
    String bucket = uri.getHost() != null ? uri.getHost() : uri.getAuthority();
    String shown = "s3://" + (bucket == null ? "" : bucket) + (uri.getPath() == null ? "" : uri.getPath());
    if (bucket == null || bucket.isEmpty()) {
      throw new IllegalArgumentException("s3 blob store URI '" + shown + "' has no bucket; expected "
          + "s3://bucket[/prefix][?endpoint=http://host:port&region=...&path-style=true]");
    }
    Map<String, String> q = query(uri, shown);
    String path = uri.getPath() == null ? "" : uri.getPath().replaceAll("^/+", "");
    String prefix = path.isEmpty() || path.endsWith("/") ? path : path + "/";
    int retries = intOption(q, "retries", 5, shown);
    int timeout = intOption(q, "timeout", 60, shown);
    int threads = intOption(q, "threads", 16, shown);
    int refresh = intOption(q, "refresh", 3600, shown);

    S3ClientBuilder b = S3Client.builder()
        .httpClientBuilder(ApacheHttpClient.builder().maxConnections(Math.max(threads, 16) + 4))
        .forcePathStyle(Boolean.parseBoolean(q.getOrDefault("path-style", "false")))
        // Our own SHA-256 check covers reads; the SDK's default trailing CRC32 (aws-chunked
        // uploads) is not understood by every S3-compatible server, so checksums only where required.
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .overrideConfiguration(ClientOverrideConfiguration.builder()
            .retryStrategy(AwsRetryStrategy.standardRetryStrategy().toBuilder().maxAttempts(retries).build())
            .apiCallTimeout(Duration.ofSeconds(timeout))
            .build())
        .credentialsProvider(credentials(q, shown));
    if (q.containsKey("endpoint")) {
      URI endpoint;
      try {
        endpoint = URI.create(q.get("endpoint"));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("s3 blob store '" + shown + "': endpoint '" + q.get("endpoint")
            + "' is not a URI; expected e.g. http://127.0.0.1:9000", e);
      }
      if (endpoint.getScheme() == null || endpoint.getHost() == null) {
        throw new IllegalArgumentException("s3 blob store '" + shown + "': endpoint '" + q.get("endpoint")
            + "' needs a scheme and a host, e.g. http://127.0.0.1:9000");
      }
      if ("http".equalsIgnoreCase(endpoint.getScheme()) && !loopback(endpoint.getHost())
          && !Boolean.parseBoolean(q.getOrDefault("allow-http", "false"))) {
        throw new IllegalArgumentException("s3 blob store '" + shown + "': endpoint '" + endpoint
            + "' is plain HTTP to a host that is not loopback, which would send data and signed requests "
            + "unencrypted; use an https:// endpoint, or add allow-http=true to the URI on a trusted network");
      }
      b.endpointOverride(endpoint);
      b.region(Region.of(q.getOrDefault("region", "us-east-1")));
    } else if (q.containsKey("region")) {
      b.region(Region.of(q.get("region")));
    }
    S3Client s3;
    try {
      s3 = b.build();
    } catch (SdkClientException e) {
      throw new BlobException("s3 blob store '" + shown + "': cannot configure the S3 client: " + e.getMessage(), e);
    }
    String where = q.containsKey("endpoint") ? " at " + q.get("endpoint") : "";
    try {
      s3.headBucket(r -> r.bucket(bucket));
    } catch (S3Exception e) {
      s3.close();
      String why = switch (e.statusCode()) {
        case 404 -> "does not exist";
        case 403 -> "denies access to these credentials: they need s3:ListBucket on the bucket (checked at "
            + "open), s3:GetObject and s3:PutObject on " + bucket + "/" + prefix + "* (s3:DeleteObject for gc)";
        case 301, 400 -> "is in another region or the request was refused";
        default -> "cannot be opened";
      };
      throw new BlobException("s3 bucket '" + bucket + "'" + where + " " + why + " (HTTP " + e.statusCode() + ")", e);
    } catch (SdkClientException e) {
      s3.close();
      throw new BlobUnavailableException("s3 bucket '" + bucket + "'" + where + " is unreachable: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      s3.close();
      throw e;
    }
    return new S3BlobStore(s3, bucket, prefix, clock, Duration.ofSeconds(refresh), threads);
  }

  /** localhost or a loopback address literal; a name is not resolved. */
  static boolean loopback(String host) {
    String h = host.startsWith("[") ? host.substring(1, host.length() - 1) : host;
    if (h.equalsIgnoreCase("localhost")) {
      return true;
    }
    if (h.matches("[0-9.]+") || h.contains(":")) {
      try {
        return InetAddress.getByName(h).isLoopbackAddress(); // a literal: no lookup
      } catch (UnknownHostException e) {
        return false;
      }
    }
    return false;
  }

  private static AwsCredentialsProvider credentials(Map<String, String> q, String shown) {
    String access = q.get("access-key");
    String secret = q.get("secret-key");
    if (access == null && secret == null) {
      return DefaultCredentialsProvider.builder().build();
    }
    if (access == null || secret == null) {
      throw new IllegalArgumentException("s3 blob store '" + shown + "': access-key and secret-key go together; "
          + "give both or neither (then the AWS default credential chain is used)");
    }
    return StaticCredentialsProvider.create(AwsBasicCredentials.create(access, secret));
  }

  private static Map<String, String> query(URI uri, String shown) {
    Map<String, String> out = new LinkedHashMap<>();
    for (Map.Entry<String, String> param : UriQuery.of(uri).asMap().entrySet()) {
      String k = param.getKey().toLowerCase(Locale.ROOT);
      String v = param.getValue();
      if (!OPTIONS.contains(k)) {
        throw new IllegalArgumentException("s3 blob store '" + shown + "': unknown option '" + k + "'; known: "
            + new java.util.TreeSet<>(OPTIONS));
      }
      if (out.put(k, v) != null) {
        throw new IllegalArgumentException("s3 blob store '" + shown + "': option '" + k + "' is given twice; give it once");
      }
    }
    return out;
  }

  private static int intOption(Map<String, String> q, String key, int dflt, String shown) {
    String v = q.get(key);
    if (v == null) {
      return dflt;
    }
    try {
      int n = Integer.parseInt(v.trim());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException("s3 blob store '" + shown + "': " + key + " must be a positive integer, got '"
        + v + "'");
  }
}
