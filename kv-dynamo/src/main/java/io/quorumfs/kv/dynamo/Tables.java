package io.quorumfs.kv.dynamo;

import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvUnavailableException;
import java.util.List;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeDefinition;
import software.amazon.awssdk.services.dynamodb.model.BillingMode;
import software.amazon.awssdk.services.dynamodb.model.KeySchemaElement;
import software.amazon.awssdk.services.dynamodb.model.KeyType;
import software.amazon.awssdk.services.dynamodb.model.ResourceInUseException;
import software.amazon.awssdk.services.dynamodb.model.ResourceNotFoundException;
import software.amazon.awssdk.services.dynamodb.model.ScalarAttributeType;
import software.amazon.awssdk.services.dynamodb.model.TableDescription;
import software.amazon.awssdk.services.dynamodb.model.TableStatus;

/** Checks that the store's table exists with the expected key schema, creating it when asked. */
final class Tables {

  private static final long ACTIVE_TIMEOUT_MS = 300_000;

  private final DynamoDbClient db;
  private final DynamoConfig config;
  private final Calls calls;

  Tables(DynamoDbClient db, DynamoConfig config) {
    this.db = db;
    this.config = config;
    this.calls = new Calls(config);
  }

  void ensure() {
    TableDescription t = describe();
    if (t == null) {
      if (!config.create()) {
        throw new KvException("dynamodb:// " + config.where() + " does not exist; create it"
            + " (partition key p: B, sort key s: B) or open with ?create=true");
      }
      create();
      t = describe();
    }
    long deadline = System.currentTimeMillis() + ACTIVE_TIMEOUT_MS;
    while (t == null || t.tableStatus() != TableStatus.ACTIVE) {
      if (System.currentTimeMillis() > deadline) {
        throw new KvUnavailableException("dynamodb:// " + config.where() + " is not ACTIVE after "
            + ACTIVE_TIMEOUT_MS / 1000 + " s (status " + (t == null ? "missing" : t.tableStatus()) + ")");
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new KvUnavailableException("interrupted waiting for " + config.where(), e);
      }
      t = describe();
    }
    checkSchema(t);
  }

  private TableDescription describe() {
    try {
      return db.describeTable(b -> b.tableName(config.table())).table();
    } catch (ResourceNotFoundException e) {
      return null;
    } catch (RuntimeException e) {
      throw calls.map("describe table", e);
    }
  }

  private void create() {
    try {
      db.createTable(b -> b.tableName(config.table())
          .attributeDefinitions(attr(Schema.P), attr(Schema.S))
          .keySchema(key(Schema.P, KeyType.HASH), key(Schema.S, KeyType.RANGE))
          .billingMode(BillingMode.PAY_PER_REQUEST));
    } catch (ResourceInUseException e) {
      // created concurrently by another store: wait for it like for ours
    } catch (RuntimeException e) {
      throw calls.map("create table", e);
    }
  }

  private void checkSchema(TableDescription t) {
    List<KeySchemaElement> want = List.of(key(Schema.P, KeyType.HASH), key(Schema.S, KeyType.RANGE));
    boolean binary = t.attributeDefinitions().stream()
        .filter(a -> a.attributeName().equals(Schema.P) || a.attributeName().equals(Schema.S))
        .allMatch(a -> a.attributeType() == ScalarAttributeType.B);
    if (!t.keySchema().equals(want) || !binary) {
      throw new KvException("dynamodb:// " + config.where() + " has key schema " + t.keySchema()
          + " " + t.attributeDefinitions() + "; this store needs partition key p (B) and sort key s (B)");
    }
  }

  private static AttributeDefinition attr(String name) {
    return AttributeDefinition.builder().attributeName(name).attributeType(ScalarAttributeType.B).build();
  }

  private static KeySchemaElement key(String name, KeyType type) {
    return KeySchemaElement.builder().attributeName(name).keyType(type).build();
  }
}
