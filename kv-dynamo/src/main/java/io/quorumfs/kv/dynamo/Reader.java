package io.quorumfs.kv.dynamo;

import static io.quorumfs.kv.dynamo.Schema.bin;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KeyRange;
import io.quorumfs.kv.KvUnavailableException;
import io.quorumfs.kv.ScanPage;
import io.quorumfs.kv.Versioned;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.Get;
import software.amazon.awssdk.services.dynamodb.model.ItemResponse;
import software.amazon.awssdk.services.dynamodb.model.QueryRequest;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;
import software.amazon.awssdk.services.dynamodb.model.TransactGetItem;

/**
 * Reads: single keys (GetItem), consistent multi-key snapshots (TransactGetItems), ordered scan
 * pages (Query on the data partition) and the parts of split values. Every read is strongly
 * consistent.
 */
final class Reader {

  /** TransactGetItems reads at most 100 items. */
  static final int TXN_GET_MAX = 100;
  private static final byte[] FF16 = new byte[16];

  static {
    Arrays.fill(FF16, (byte) 0xFF);
  }

  private final DynamoDbClient db;
  private final String table;
  private final Calls calls;

  Reader(DynamoDbClient db, String table, Calls calls) {
    this.db = db;
    this.table = table;
    this.calls = calls;
  }

  long revision() {
    Map<String, AttributeValue> item = calls.run("read revision", () -> db.getItem(b -> b
        .tableName(table).key(Schema.revisionKey()).consistentRead(true)).item());
    return Schema.longOf(item, Schema.REV);
  }

  Versioned get(byte[] key) {
    while (true) {
      Map<String, AttributeValue> head = calls.run("get " + Bytes.show(key), () -> db.getItem(b -> b
          .tableName(table).key(Schema.dataKey(key)).consistentRead(true)).item());
      Versioned v = toVersioned(key, head);
      if (v != null) {
        return v;
      }
      // the value's parts were replaced between the two reads: read the head again
    }
  }

  /**
   * Reads the heads of {@code keys} (at most 99 distinct keys) plus the revision item as one
   * snapshot. The result maps each distinct key to its head item (null if absent); the revision
   * is under the key {@code null}.
   */
  Snapshot snapshot(List<byte[]> keys) {
    List<byte[]> distinct = distinct(keys);
    List<TransactGetItem> gets = new ArrayList<>(distinct.size() + 1);
    gets.add(get(Schema.revisionKey()));
    for (byte[] k : distinct) {
      gets.add(get(Schema.dataKey(k)));
    }
    List<ItemResponse> rs = calls.run("read snapshot of " + distinct.size() + " keys",
        () -> db.transactGetItems(b -> b.transactItems(gets)).responses());
    Map<KeyBytes, Map<String, AttributeValue>> heads = new HashMap<>();
    for (int i = 0; i < distinct.size(); i++) {
      ItemResponse r = rs.get(i + 1);
      heads.put(new KeyBytes(distinct.get(i)), r.hasItem() && !r.item().isEmpty() ? r.item() : null);
    }
    ItemResponse rev = rs.get(0);
    return new Snapshot(Schema.longOf(rev.hasItem() ? rev.item() : null, Schema.REV), heads);
  }

  List<Versioned> getAll(List<byte[]> keys) {
    if (keys.isEmpty()) {
      return List.of();
    }
    attempt:
    while (true) {
      List<byte[]> distinct = distinct(keys);
      Map<KeyBytes, Map<String, AttributeValue>> heads = new HashMap<>();
      long revision = -1;
      for (int from = 0; from < distinct.size() || from == 0; from += TXN_GET_MAX - 1) {
        Snapshot s = snapshot(distinct.subList(from, Math.min(distinct.size(), from + TXN_GET_MAX - 1)));
        if (revision >= 0 && s.revision() != revision) {
          continue attempt; // a commit landed between chunks: the chunks are no one snapshot
        }
        revision = s.revision();
        heads.putAll(s.heads());
      }
      List<Versioned> out = new ArrayList<>(keys.size());
      for (byte[] k : keys) {
        Versioned v = toVersioned(k, heads.get(new KeyBytes(k)));
        if (v == null) {
          continue attempt;
        }
        out.add(v);
      }
      return out;
    }
  }

  ScanPage scan(KeyRange range, int limit, byte[] after) {
    if (limit <= 0) {
      throw new IllegalArgumentException("scan limit must be > 0, got " + limit);
    }
    byte[] low = after != null && Bytes.compare(after, range.start()) >= 0 ? after : range.start();
    if (range.end() != null && Bytes.compare(low, range.end()) >= 0) {
      return new ScanPage(List.of(), false);
    }
    Calls.Backoff backoff = calls.backoff();
    while (true) {
      long before = revision();
      PageCollector page = new PageCollector(range, after, limit);
      query(low, range.end(), page);
      long now = revision();
      byte[] coveredEnd = page.more ? Schema.keyOf(page.entries.get(page.entries.size() - 1)) : null;
      if (now != before && changedDuring(before, now, low, coveredEnd, page.more ? null : range.end())) {
        // a commit during the query wrote keys of this page: it may mix two states
        backoff.retryQuickly("scan", new KvUnavailableException("scan page changed while read"));
        continue;
      }
      List<Versioned> out = new ArrayList<>(page.entries.size());
      boolean stale = false;
      for (Map<String, AttributeValue> head : page.entries) {
        Versioned v = toVersioned(Schema.keyOf(head), head);
        if (v == null) {
          stale = true;
          break;
        }
        out.add(v);
      }
      if (!stale) {
        return new ScanPage(out, page.more);
      }
    }
  }

  /**
   * True if a commit in {@code (from, to]} wrote a key in {@code [low, lastIncluded]} (or in
   * {@code [low, end)} when {@code lastIncluded} is null), or if the change log no longer holds
   * all of those commits. Read from the change log, so commits elsewhere in the key space do not
   * make a scan page retry.
   */
  private boolean changedDuring(long from, long to, byte[] low, byte[] lastIncluded, byte[] end) {
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":p", Schema.LOG_PARTITION);
    values.put(":lo", bin(Schema.be64(from + 1)));
    values.put(":hi", bin(Schema.be64(to)));
    long seen = 0;
    Map<String, AttributeValue> start = null;
    do {
      Map<String, AttributeValue> at = start;
      QueryResponse r = calls.run("read the change log", () -> db.query(b -> b.tableName(table)
          .keyConditionExpression("#p = :p AND #s BETWEEN :lo AND :hi")
          .expressionAttributeNames(Map.of("#p", Schema.P, "#s", Schema.S))
          .expressionAttributeValues(values).consistentRead(true).exclusiveStartKey(at)));
      for (Map<String, AttributeValue> item : r.items()) {
        seen++;
        long rev = Schema.be64(Schema.bytes(item.get(Schema.S)));
        for (io.quorumfs.kv.Change c : ChangeCodec.decode(rev, Schema.bytes(item.get(Schema.CHANGES))).changes()) {
          byte[] k = c.key();
          if (Bytes.compare(k, low) >= 0 && (lastIncluded != null ? Bytes.compare(k, lastIncluded) <= 0
              : end == null || Bytes.compare(k, end) < 0)) {
            return true;
          }
        }
      }
      start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
    } while (start != null);
    return seen != to - from;
  }

  private void query(byte[] low, byte[] end, PageCollector page) {
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":p", Schema.DATA_PARTITION);
    String cond = "#p = :p";
    byte[] lo = low.length == 0 ? null : truncate(low);
    byte[] hi = end == null ? null : end.length <= Schema.SHORT_KEY_MAX ? end
        : Bytes.concat(Arrays.copyOf(end, Schema.SHORT_KEY_MAX), FF16);
    if (lo != null && hi != null) {
      cond += " AND #s BETWEEN :lo AND :hi";
    } else if (lo != null) {
      cond += " AND #s >= :lo";
    } else if (hi != null) {
      cond += " AND #s <= :hi";
    }
    if (lo != null) {
      values.put(":lo", bin(lo));
    }
    if (hi != null) {
      values.put(":hi", bin(hi));
    }
    Map<String, String> names = lo == null && hi == null ? Map.of("#p", Schema.P)
        : Map.of("#p", Schema.P, "#s", Schema.S);
    Map<String, AttributeValue> start = null;
    String c = cond;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse r = calls.run("scan", () -> db.query(QueryRequest.builder().tableName(table)
          .keyConditionExpression(c).expressionAttributeNames(names).expressionAttributeValues(values)
          .consistentRead(true).exclusiveStartKey(from).limit(page.fetchSize()).build()));
      for (Map<String, AttributeValue> item : r.items()) {
        if (!page.offer(item)) {
          return;
        }
      }
      start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
    } while (start != null);
    page.finish();
  }

  private static byte[] truncate(byte[] key) {
    return key.length <= Schema.SHORT_KEY_MAX ? key : Arrays.copyOf(key, Schema.SHORT_KEY_MAX);
  }

  /** The key's value and version from its head item, or null if the head names parts now gone. */
  Versioned toVersioned(byte[] key, Map<String, AttributeValue> head) {
    if (head == null || head.isEmpty()) {
      return Versioned.absent(key);
    }
    long version = Schema.longOf(head, Schema.VER);
    int parts = (int) Schema.longOf(head, Schema.PARTS);
    if (parts == 0) {
      return new Versioned(key, Schema.bytes(head.get(Schema.VALUE)), version);
    }
    byte[] value = readParts(key, version, parts);
    return value == null ? null : new Versioned(key, value, version);
  }

  private byte[] readParts(byte[] key, long version, int parts) {
    Map<String, AttributeValue> first = Schema.partKey(key, version, 0);
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":p", first.get(Schema.P));
    values.put(":v", bin(Schema.be64(version)));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Map<String, AttributeValue> start = null;
    int seen = 0;
    do {
      Map<String, AttributeValue> from = start;
      QueryResponse r = calls.run("read value parts of " + Bytes.show(key), () -> db.query(b -> b
          .tableName(table).keyConditionExpression("#p = :p AND begins_with(#s, :v)")
          .expressionAttributeNames(Map.of("#p", Schema.P, "#s", Schema.S))
          .expressionAttributeValues(values).consistentRead(true).exclusiveStartKey(from)));
      for (Map<String, AttributeValue> item : r.items()) {
        out.writeBytes(Schema.bytes(item.get(Schema.VALUE)));
        seen++;
      }
      start = r.hasLastEvaluatedKey() && !r.lastEvaluatedKey().isEmpty() ? r.lastEvaluatedKey() : null;
    } while (start != null);
    // fewer parts: a newer commit replaced the value and deleted them while we read
    return seen == parts ? out.toByteArray() : null;
  }

  private TransactGetItem get(Map<String, AttributeValue> key) {
    return TransactGetItem.builder().get(Get.builder().tableName(table).key(key).build()).build();
  }

  static List<byte[]> distinct(List<byte[]> keys) {
    Map<KeyBytes, byte[]> m = new LinkedHashMap<>();
    for (byte[] k : keys) {
      m.putIfAbsent(new KeyBytes(k), k);
    }
    return new ArrayList<>(m.values());
  }

  /** The heads of some keys and the revision, read as one snapshot. */
  record Snapshot(long revision, Map<KeyBytes, Map<String, AttributeValue>> heads) {
    Map<String, AttributeValue> head(byte[] key) {
      return heads.get(new KeyBytes(key));
    }
  }
}
