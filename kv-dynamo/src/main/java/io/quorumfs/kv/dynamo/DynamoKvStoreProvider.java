package io.quorumfs.kv.dynamo;

import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.KvStoreProvider;
import java.net.URI;
import java.util.Set;

/** Opens {@code dynamodb://} stores; registered through {@link java.util.ServiceLoader}. */
public final class DynamoKvStoreProvider implements KvStoreProvider {

  @Override
  public Set<String> schemes() {
    return Set.of("dynamodb");
  }

  @Override
  public KvStore open(URI uri) {
    return DynamoKvStore.open(uri);
  }
}
