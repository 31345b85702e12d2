package io.quorumfs.blob.s3;

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * An in-process S3-compatible server: S3Proxy over jclouds' in-memory ("transient") blob store, or
 * over a directory (S3Proxy's "filesystem-nio2", {@link #onDisk}: objects survive a restart on the
 * same directory and port), on
 * 127.0.0.1, with SigV4 credentials. {@link #raw()} is a plain S3 client for setting up buckets and
 * damaging objects behind the store's back.
 */
public final class S3ProxyServer implements AutoCloseable {
  public static final String ACCESS = "quorumfs-test-access";
  public static final String SECRET = "quorumfs-test-secret";

  private final BlobStoreContext context;
  private final S3Proxy proxy;
  private final S3Client raw;
  private final String endpoint;

  /** In memory, on a port the OS picks. */
  public S3ProxyServer() throws Exception {
    this(null, 0);
  }

  /**
   * Objects in files under {@code dir} (a bucket is a subdirectory), on {@code port} (0: one the OS
   * picks). Closing and opening again with the same directory and {@link #port()} is a server
   * restart that kept its data.
   */
  public static S3ProxyServer onDisk(Path dir, int port) throws Exception {
    return new S3ProxyServer(dir, port);
  }

  private S3ProxyServer(Path dir, int port) throws Exception {
    Properties props = new Properties();
    if (dir != null) {
      props.setProperty("jclouds.filesystem.basedir", dir.toString());
    }
    // filesystem-nio2 (S3Proxy's own): jclouds' "filesystem" reads every object's metadata for each
    // LIST page, which makes listing 10,000 objects take minutes
    context = ContextBuilder.newBuilder(dir == null ? "transient" : "filesystem-nio2").credentials("identity", "credential")
        .overrides(props).build(BlobStoreContext.class);
    proxy = S3Proxy.builder().blobStore(context.getBlobStore()).endpoint(URI.create("http://127.0.0.1:" + port))
        .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET).build();
    try {
      proxy.start();
      io.quorumfs.kv.Poll.until(Duration.ofSeconds(30), "S3Proxy to start", () -> "STARTED".equals(proxy.getState()));
    } catch (Exception e) {
      stopQuietly();
      throw e;
    }
    endpoint = "http://127.0.0.1:" + proxy.getPort();
    raw = S3Client.builder().endpointOverride(URI.create(endpoint)).region(Region.US_EAST_1).forcePathStyle(true)
        .httpClientBuilder(ApacheHttpClient.builder())
        .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
        .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
        .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS, SECRET))).build();
  }

  public String endpoint() {
    return endpoint;
  }

  public int port() {
    return proxy.getPort();
  }

  public S3Client raw() {
    return raw;
  }

  public void createBucket(String bucket) {
    raw.createBucket(b -> b.bucket(bucket));
  }

  /** An s3:// URI for {@code bucket/prefix} on this server, with its credentials. */
  public String uri(String bucket, String prefix) {
    return "s3://" + bucket + "/" + prefix + "?endpoint=" + endpoint + "&path-style=true&region=us-east-1"
        + "&access-key=" + ACCESS + "&secret-key=" + SECRET + "&retries=2&timeout=20";
  }

  @Override
  public void close() {
    raw.close();
    stopQuietly();
  }

  private void stopQuietly() {
    try {
      proxy.stop();
    } catch (Exception e) {
      // the server is going away either way
    } finally {
      context.close();
    }
  }
}
