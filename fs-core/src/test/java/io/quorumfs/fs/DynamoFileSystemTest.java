package io.quorumfs.fs;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStores;
import io.quorumfs.kv.dynamo.DynamoLocalExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.extension.RegisterExtension;

/** {@link FileSystemContract} on {@code dynamodb://}: DynamoDB Local in-process, one table. */
class DynamoFileSystemTest extends FileSystemContract {
  @RegisterExtension
  static final DynamoLocalExtension DYNAMO = new DynamoLocalExtension();

  private static KvStore dynamo;

  @Override
  protected synchronized KvStore store() {
    if (dynamo == null) {
      dynamo = KvStores.open(DYNAMO.newStoreUri());
    }
    return dynamo;
  }

  @AfterAll
  static void closeStore() {
    if (dynamo != null) {
      dynamo.close();
      dynamo = null;
    }
  }
}
