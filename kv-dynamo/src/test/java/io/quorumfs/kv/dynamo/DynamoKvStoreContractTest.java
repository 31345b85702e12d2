package io.quorumfs.kv.dynamo;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStoreContract;
import io.quorumfs.kv.KvStores;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The whole contract on {@code dynamodb://} against DynamoDB Local, each test in a fresh table. */
final class DynamoKvStoreContractTest extends KvStoreContract {

  @RegisterExtension
  static final DynamoLocalExtension DYNAMO = new DynamoLocalExtension();

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
