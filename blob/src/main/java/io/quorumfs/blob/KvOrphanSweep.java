package io.quorumfs.blob;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvStore;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Txn;
import io.quorumfs.kv.Versioned;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@link KvBlobStore#deleteOrphanParts}: parts whose blob has no info and no live put token. */
final class KvOrphanSweep {
  private final KvBlobStore store;
  private final KvStore kv;
  private final KvBlobLayout layout;

  KvOrphanSweep(KvBlobStore store, KvStore kv, KvBlobLayout layout) {
    this.store = store;
    this.kv = kv;
    this.layout = layout;
  }

  long run(Instant cutoff) {
    long deleted = 0;
    byte[] after = null;
    while (true) {
      byte[] from = after;
      ScanPage page = store.call("listing blob parts", () -> kv.scan(KeyRange.prefix(layout.partPrefix), 1000, from));
      Map<BlobId, List<byte[]>> byId = new LinkedHashMap<>();
      for (Versioned v : page.entries()) {
        byte[] k = v.key();
        BlobId id = new BlobId(java.util.Arrays.copyOfRange(k, layout.partPrefix.length, layout.partPrefix.length + BlobId.BYTES));
        byId.computeIfAbsent(id, x -> new ArrayList<>()).add(k);
      }
      List<byte[]> keys = new ArrayList<>();
      for (BlobId id : byId.keySet()) {
        keys.add(layout.infoKey(id));
        keys.add(layout.tokenKey(id));
      }
      List<Versioned> state = keys.isEmpty() ? List.of() : store.call("checking blob parts", () -> kv.getAll(keys));
      BlobId lastId = null;
      for (BlobId id : byId.keySet()) {
        lastId = id;
      }
      int i = 0;
      for (var e : byId.entrySet()) {
        Versioned info = state.get(i++);
        Versioned token = state.get(i++);
        boolean stale = !token.exists() || Bytes.toLong(token.value()) < cutoff.toEpochMilli();
        if (info.exists() || !stale) {
          continue;
        }
        List<byte[]> parts = e.getValue();
        int perTxn = store.partsPerTxn(store.partSize);
        for (int p = 0; p < parts.size(); p += perTxn) {
          Txn.Builder t = Txn.builder().requireAbsent(info.key()).requireVersion(token.key(), token.version());
          List<byte[]> group = parts.subList(p, Math.min(parts.size(), p + perTxn));
          group.forEach(t::delete);
          if (!store.commit(t.build(), e.getKey()).ok()) {
            break; // a put of this blob has begun
          }
          deleted += group.size();
        }
        boolean allPartsSeen = !page.more() || !e.getKey().equals(lastId); // its parts may go on next page
        if (token.exists() && allPartsSeen) {
          // The stale token itself, unless a put has rewritten it meanwhile.
          store.commit(Txn.builder().requireAbsent(info.key()).requireUnchanged(token).delete(token.key()).build(), e.getKey());
        }
      }
      if (!page.more()) {
        return deleted;
      }
      after = page.next();
    }
  }
}
