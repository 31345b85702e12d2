package io.quorumfs.kv.dynamo;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStoreContract;
import io.quorumfs.kv.KvStores;
import java.time.Duration;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The whole contract on {@code dynamodb://} against DynamoDB Local, each test in a fresh table. */
final class DynamoKvStoreContractTest extends KvStoreContract {

  @RegisterExtension
  static final DynamoLocalExtension DYNAMO = new DynamoLocalExtension();

  /** DynamoDB Local commits a few dozen txns per second on a loaded 2-core machine. */
  @Override
  protected Duration timeout() {
    return Duration.ofSeconds(90);
  }

  @Override
  protected KvStore newStore() {
    return KvStores.open(DYNAMO.newStoreUri());
  }

  @Override
  protected KvStore reopen(KvStore store) {
    DynamoConfig c = ((DynamoKvStore) store).config();
    store.close();
    return KvStores.open(DYNAMO.storeUri(c.table(), "history=" + c.history()));
  }

  @Override
  protected KvStore newStoreWithHistory(int commits) {
    return KvStores.open(DYNAMO.storeUri(DynamoLocalExtension.newTableName(),
        "create=true&history=" + commits));
  }
}
