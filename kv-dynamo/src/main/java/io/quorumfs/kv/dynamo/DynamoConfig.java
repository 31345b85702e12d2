package io.quorumfs.kv.dynamo;

import io.quorumfs.kv.UriQuery;
import java.net.URI;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * The settings of a {@code dynamodb://} store, parsed from its URI:
 * {@code dynamodb://TABLE?region=R&endpoint=URL&create=true&history=N&accessKey=A&secretKey=S&timeoutMs=T&maxConnections=C}.
 *
 * @param table the DynamoDB table name
 * @param region the AWS region (required)
 * @param endpoint an endpoint override (DynamoDB Local, a VPC endpoint), or null for AWS's
 * @param create create the table when it is missing
 * @param history how many recent revisions the change log keeps for {@code watch}
 * @param accessKey static credentials (tests, DynamoDB Local); null = the SDK's default chain
 * @param secretKey the secret matching {@code accessKey}
 * @param timeout the limit on one API call including the SDK's retries
 * @param maxConnections the HTTP connection pool size
 */
record DynamoConfig(String table, String region, URI endpoint, boolean create, int history,
    String accessKey, String secretKey, Duration timeout, int maxConnections) {

  static final int DEFAULT_HISTORY = 100_000;
  private static final Set<String> PARAMS = Set.of("region", "endpoint", "create", "history",
      "accessKey", "secretKey", "timeoutMs", "maxConnections");

  DynamoConfig {
    if (table == null || !table.matches("[A-Za-z0-9_.-]{3,255}")) {
      throw new IllegalArgumentException("dynamodb:// table name '" + table
          + "' is invalid: 3-255 characters of A-Z a-z 0-9 _ . -");
    }
    if (region == null || region.isBlank()) {
      throw new IllegalArgumentException("dynamodb://" + table + " needs ?region=<aws region>");
    }
    if (history < 1) {
      throw new IllegalArgumentException("dynamodb:// history must be >= 1, got " + history);
    }
    if ((accessKey == null) != (secretKey == null)) {
      throw new IllegalArgumentException("dynamodb:// accessKey and secretKey go together");
    }
  }

  static DynamoConfig parse(URI uri) {
    String table = uri.getRawAuthority();
    if (table == null || table.isEmpty()) {
      throw new IllegalArgumentException("dynamodb:// URI '" + uri
          + "' names no table; expected dynamodb://TABLE?region=...");
    }
    if (uri.getRawPath() != null && !uri.getRawPath().isEmpty() && !uri.getRawPath().equals("/")) {
      throw new IllegalArgumentException("dynamodb:// URI '" + uri + "' has a path '"
          + uri.getRawPath() + "'; expected dynamodb://TABLE?region=...");
    }
    Map<String, String> q = UriQuery.of(uri).requireKnown("dynamodb://", PARAMS).asMap();
    String endpoint = q.get("endpoint");
    URI ep = null;
    if (endpoint != null) {
      ep = URI.create(endpoint);
      if (ep.getScheme() == null || ep.getHost() == null) {
        throw new IllegalArgumentException("dynamodb:// endpoint '" + endpoint
            + "' must be an absolute URL such as http://127.0.0.1:8000");
      }
    }
    String create = q.get("create"); // ?create alone means true
    return new DynamoConfig(table, q.get("region"), ep,
        create != null && (create.isEmpty() || Boolean.parseBoolean(create)),
        intParam(q, "history", DEFAULT_HISTORY), q.get("accessKey"), q.get("secretKey"),
        Duration.ofMillis(intParam(q, "timeoutMs", 10_000)), intParam(q, "maxConnections", 64));
  }

  private static int intParam(Map<String, String> q, String name, int dflt) {
    String v = q.get(name);
    if (v == null) {
      return dflt;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("dynamodb:// parameter " + name + "='" + v
          + "' is not an integer", e);
    }
  }


  /** For messages: where the table lives. */
  String where() {
    return "table '" + table + "' in region " + region
        + (endpoint != null ? " at " + endpoint : "");
  }
}
