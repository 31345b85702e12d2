package io.quorumfs.kv.dynamo;

import static io.quorumfs.kv.dynamo.Schema.bin;
import static io.quorumfs.kv.dynamo.Schema.num;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.Change;
import io.quorumfs.kv.CommitResult;
import io.quorumfs.kv.Compare;
import io.quorumfs.kv.KvException;
import io.quorumfs.kv.KvLimitException;
import io.quorumfs.kv.KvUnavailableException;
import io.quorumfs.kv.Op;
import io.quorumfs.kv.Txn;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.locks.ReentrantLock;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.CancellationReason;
import software.amazon.awssdk.services.dynamodb.model.ConditionCheck;
import software.amazon.awssdk.services.dynamodb.model.Delete;
import software.amazon.awssdk.services.dynamodb.model.Put;
import software.amazon.awssdk.services.dynamodb.model.TransactWriteItem;
import software.amazon.awssdk.services.dynamodb.model.TransactionCanceledException;

/**
 * Commits a {@link Txn} as one TransactWriteItems call.
 *
 * <ol>
 *   <li>Read the revision item and the head of every key the txn touches as one snapshot
 *       (TransactGetItems); for a blind txn (puts and deletes only) just the revision item, with
 *       "holds no split value" as each write's condition, falling back to the full snapshot if
 *       that fails. Check the compares against it: a failed compare is a conflict at a
 *       serializable point. Compute Add/Max from the snapshot values.</li>
 *   <li>Write, in one transaction: each touched key's new head (Put/Delete) or, for compare-only
 *       keys, a ConditionCheck, each conditioned on the key's {@code ver} in the snapshot; the
 *       parts of split values (new ones written, old ones deleted); the revision item, conditioned
 *       on the snapshot revision and set to revision + 1; the change-log item of the new revision;
 *       and the delete of the log item that falls out of the history window.</li>
 *   <li>If a condition failed, another commit got in between (the revision condition fails for
 *       every concurrent commit: commits are serialised through that one item; inside one store
 *       instance a fair lock serialises them first, so only other processes race). Go back to 1:
 *       the new snapshot decides whether the caller's compares still hold. Add/Max therefore
 *       never surface as conflicts. TransactionConflict and throttling are retried with
 *       backoff.</li>
 * </ol>
 */
final class Committer {

  /** DynamoDB's TransactWriteItems limit on actions. */
  static final int TXN_MAX_ITEMS = 100;
  /** DynamoDB's limit on the aggregate size of a transaction's items. */
  static final int TXN_MAX_BYTES = 4_000_000;
  /** Items this store adds to every txn: the revision item, the log item, the log trim. */
  static final int BOOKKEEPING_ITEMS = 3;
  /** The largest {@link Txn#size()} accepted: every compare and op may touch its own key. */
  static final int MAX_TXN_SIZE = TXN_MAX_ITEMS - BOOKKEEPING_ITEMS;
  /** The largest value this store accepts; see {@link DynamoKvStore}. */
  static final int MAX_VALUE_BYTES = 3 * 1024 * 1024;
  /** Values up to this size are stored in the head item; larger ones are split into parts. */
  static final int INLINE_VALUE_BYTES = 350_000;
  static final int PART_BYTES = 350_000;
  /** The change-log item must stay under DynamoDB's 400 KB item size. */
  private static final int LOG_ITEM_MAX = 390_000;
  /** Inline watch values per commit beyond this total are omitted (read them instead). */
  private static final int LOG_INLINE_BUDGET = 300_000;

  /**
   * Commits through one store instance are serialised here: the revision item serialises them
   * anyway, and racing for it only wastes round trips (measured on DynamoDB Local: 4 racing
   * threads committed slower than 1).
   */
  private final ReentrantLock lock = new ReentrantLock(true);
  private final DynamoDbClient db;
  private final String table;
  private final Calls calls;
  private final Reader reader;
  private final int history;
  private final int maxWatchValue;

  Committer(DynamoDbClient db, String table, Calls calls, Reader reader, int history, int maxWatchValue) {
    this.db = db;
    this.table = table;
    this.calls = calls;
    this.reader = reader;
    this.history = history;
    this.maxWatchValue = maxWatchValue;
  }

  CommitResult commit(Txn txn) {
    if (txn.size() > MAX_TXN_SIZE) {
      throw new KvLimitException("txn of " + txn.size() + " compares and ops exceeds the dynamodb://"
          + " limit of " + MAX_TXN_SIZE + " per txn (TransactWriteItems takes " + TXN_MAX_ITEMS
          + " items and each commit adds " + BOOKKEEPING_ITEMS + " of its own)");
    }
    List<byte[]> touched = new ArrayList<>();
    txn.compares().forEach(c -> touched.add(c.key()));
    for (Op op : txn.ops()) {
      touched.add(op.key());
      if (op instanceof Op.Put p && p.value().length > MAX_VALUE_BYTES) {
        throw new KvLimitException("value of " + p.value().length + " bytes for key "
            + Bytes.show(p.key()) + " exceeds the dynamodb:// limit of " + MAX_VALUE_BYTES
            + " bytes (a transaction holds at most 4 MB)");
      }
    }
    List<byte[]> keys = Reader.distinct(touched);
    checkItems(keys.size() + BOOKKEEPING_ITEMS, keys.size(), 0);
    try {
      lock.lockInterruptibly();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KvUnavailableException("dynamodb:// commit interrupted while waiting for the commit lock", e);
    }
    try {
      return commitLocked(txn, keys);
    } finally {
      lock.unlock();
    }
  }

  private CommitResult commitLocked(Txn txn, List<byte[]> keys) {
    Calls.Backoff backoff = calls.backoff();
    // Blind writes (puts and deletes, no compares, no Add/Max) need no old state but the
    // revision, as long as no written key holds a split value; the first attempt bets on that.
    boolean blind = txn.compares().isEmpty()
        && txn.ops().stream().allMatch(op -> op instanceof Op.Put || op instanceof Op.Delete);
    while (true) {
      Reader.Snapshot snap = blind ? new Reader.Snapshot(reader.revision(), Map.of()) : reader.snapshot(keys);
      List<Compare> failed = new ArrayList<>();
      for (Compare c : txn.compares()) {
        if (Schema.longOf(snap.head(c.key()), Schema.VER) != c.version()) {
          failed.add(c);
        }
      }
      if (!failed.isEmpty()) {
        return CommitResult.conflict(failed);
      }
      long rev = snap.revision() + 1;
      Plan plan = plan(txn, keys, snap, rev, blind);
      try {
        calls.run("commit of " + txn.size() + " compares and ops", () -> db.transactWriteItems(b -> b
            .transactItems(plan.items).clientRequestToken(UUID.randomUUID().toString())));
        return CommitResult.ok(rev, plan.results);
      } catch (TransactionCanceledException e) {
        if (!onlyConditionsFailed(e)) {
          throw new KvException("dynamodb:// commit refused: " + reasons(e), e);
        }
        backoff.retryQuickly("commit", e); // the state moved since the snapshot: re-read
        blind = false; // or a written key holds a split value whose parts must go
      }
    }
  }

  private record Plan(List<TransactWriteItem> items, List<Long> results) {}

  private Plan plan(Txn txn, List<byte[]> keys, Reader.Snapshot snap, long rev, boolean blind) {
    Map<KeyBytes, byte[]> state = new LinkedHashMap<>(); // final value per written key; null = deleted
    List<Long> results = new ArrayList<>(txn.ops().size());
    for (Op op : txn.ops()) {
      KeyBytes k = new KeyBytes(op.key());
      long result = 0;
      if (op instanceof Op.Put p) {
        state.put(k, p.value());
      } else if (op instanceof Op.Delete) {
        state.put(k, null);
      } else if (op instanceof Op.Add a) {
        result = Bytes.toLong(current(state, snap, a.key())) + a.delta();
        state.put(k, Bytes.ofLong(result));
      } else {
        Op.Max m = (Op.Max) op;
        byte[] cur = current(state, snap, m.key());
        result = cur == null ? m.value() : Math.max(Bytes.toLong(cur), m.value());
        state.put(k, Bytes.ofLong(result));
      }
      results.add(result);
    }
    List<TransactWriteItem> items = new ArrayList<>();
    List<Change> changes = new ArrayList<>(state.size());
    long bytes = 0;
    int parts = 0;
    int inline = 0;
    for (byte[] key : keys) {
      KeyBytes k = new KeyBytes(key);
      Map<String, AttributeValue> head = snap.head(key);
      long oldVer = Schema.longOf(head, Schema.VER);
      Cond cond = blind ? Cond.NOT_SPLIT : new Cond(oldVer);
      if (!state.containsKey(k)) {
        items.add(TransactWriteItem.builder().conditionCheck(ConditionCheck.builder().tableName(table)
            .key(Schema.dataKey(key)).conditionExpression(cond.expr).expressionAttributeNames(cond.names)
            .expressionAttributeValues(cond.values).build()).build());
        continue;
      }
      for (int i = 0; i < (int) Schema.longOf(head, Schema.PARTS); i++) {
        items.add(delete(Schema.partKey(key, oldVer, i)));
        parts++;
      }
      byte[] value = state.get(k);
      if (value == null) {
        items.add(TransactWriteItem.builder().delete(Delete.builder().tableName(table)
            .key(Schema.dataKey(key)).conditionExpression(cond.expr).expressionAttributeNames(cond.names)
            .expressionAttributeValues(cond.values).build()).build());
        changes.add(new Change(key, null, 0, false));
        continue;
      }
      Map<String, AttributeValue> item = Schema.dataKey(key);
      if (key.length > Schema.SHORT_KEY_MAX) {
        item.put(Schema.FULL_KEY, bin(key));
      }
      item.put(Schema.VER, num(rev));
      if (value.length <= INLINE_VALUE_BYTES) {
        item.put(Schema.VALUE, bin(value));
      } else {
        int n = (value.length + PART_BYTES - 1) / PART_BYTES;
        item.put(Schema.PARTS, num(n));
        for (int i = 0; i < n; i++) {
          Map<String, AttributeValue> part = Schema.partKey(key, rev, i);
          int from = i * PART_BYTES;
          part.put(Schema.VALUE, bin(java.util.Arrays.copyOfRange(value, from,
              Math.min(value.length, from + PART_BYTES))));
          items.add(put(part, null));
          parts++;
        }
      }
      bytes += 2L * key.length + value.length + 64;
      items.add(TransactWriteItem.builder().put(Put.builder().tableName(table).item(item)
          .conditionExpression(cond.expr).expressionAttributeNames(cond.names)
          .expressionAttributeValues(cond.values).build()).build());
      boolean omit = value.length > maxWatchValue || inline + value.length > LOG_INLINE_BUDGET;
      if (!omit) {
        inline += value.length;
      }
      changes.add(new Change(key, omit ? null : value, rev, omit));
    }
    checkItems(items.size() + BOOKKEEPING_ITEMS, keys.size(), parts);
    changes = inOpOrder(txn, changes);
    if (ChangeCodec.encodedSize(changes) > LOG_ITEM_MAX) {
      throw new KvLimitException("the change-log entry of a txn touching " + keys.size()
          + " keys is " + ChangeCodec.encodedSize(changes) + " bytes, over DynamoDB's 400 KB item"
          + " limit (use fewer or shorter keys per txn)");
    }
    bytes += ChangeCodec.encodedSize(changes);
    if (bytes > TXN_MAX_BYTES) {
      throw new KvLimitException("txn writes about " + bytes + " bytes, over DynamoDB's "
          + TXN_MAX_BYTES + "-byte (4 MB) transaction limit");
    }
    Map<String, AttributeValue> revItem = Schema.revisionKey();
    revItem.put(Schema.REV, num(rev));
    Cond revCond = new Cond(snap.revision());
    items.add(TransactWriteItem.builder().put(Put.builder().tableName(table).item(revItem)
        .conditionExpression(revCond.expr.replace("#ver", "#r"))
        .expressionAttributeNames(Map.of("#r", Schema.REV))
        .expressionAttributeValues(revCond.values).build()).build());
    Map<String, AttributeValue> log = Schema.logKey(rev);
    log.put(Schema.CHANGES, bin(ChangeCodec.encode(changes)));
    items.add(put(log, null));
    if (rev - history >= 1) {
      items.add(delete(Schema.logKey(rev - history)));
    }
    return new Plan(items, results);
  }

  /** Changes ordered by each key's first op, as the SPI's ChangeEvent asks. */
  private static List<Change> inOpOrder(Txn txn, List<Change> changes) {
    Map<KeyBytes, Change> byKey = new HashMap<>();
    changes.forEach(c -> byKey.put(new KeyBytes(c.key()), c));
    Map<KeyBytes, Change> ordered = new LinkedHashMap<>();
    for (Op op : txn.ops()) {
      KeyBytes k = new KeyBytes(op.key());
      ordered.putIfAbsent(k, byKey.get(k));
    }
    return new ArrayList<>(ordered.values());
  }

  private static byte[] current(Map<KeyBytes, byte[]> state, Reader.Snapshot snap, byte[] key) {
    KeyBytes k = new KeyBytes(key);
    if (state.containsKey(k)) {
      return state.get(k);
    }
    Map<String, AttributeValue> head = snap.head(key);
    if (head == null) {
      return null;
    }
    if (head.containsKey(Schema.PARTS)) {
      throw new IllegalArgumentException("not an 8-byte counter: " + Bytes.show(key)
          + " holds a value split into " + Schema.longOf(head, Schema.PARTS) + " parts");
    }
    return Schema.bytes(head.get(Schema.VALUE));
  }

  private static void checkItems(int items, int keys, int parts) {
    if (items > TXN_MAX_ITEMS) {
      throw new KvLimitException("txn needs " + items + " DynamoDB items (" + keys + " keys, "
          + parts + " value parts, " + BOOKKEEPING_ITEMS + " for the revision and change log),"
          + " over the TransactWriteItems limit of " + TXN_MAX_ITEMS + " items");
    }
  }

  private TransactWriteItem put(Map<String, AttributeValue> item, String cond) {
    return TransactWriteItem.builder().put(Put.builder().tableName(table).item(item)
        .conditionExpression(cond).build()).build();
  }

  private TransactWriteItem delete(Map<String, AttributeValue> key) {
    return TransactWriteItem.builder().delete(Delete.builder().tableName(table).key(key).build()).build();
  }

  private static boolean onlyConditionsFailed(TransactionCanceledException e) {
    if (!e.hasCancellationReasons()) {
      return false;
    }
    for (CancellationReason r : e.cancellationReasons()) {
      String code = r.code();
      if (code != null && !code.equals("None") && !code.equals("ConditionalCheckFailed")
          && !code.equals("TransactionConflict")) {
        return false;
      }
    }
    return true;
  }

  private static String reasons(TransactionCanceledException e) {
    if (!e.hasCancellationReasons()) {
      return e.getMessage();
    }
    StringBuilder sb = new StringBuilder();
    for (CancellationReason r : e.cancellationReasons()) {
      if (r.code() != null && !r.code().equals("None")) {
        sb.append(sb.length() == 0 ? "" : "; ").append(r.code()).append(": ").append(r.message());
      }
    }
    return sb.toString();
  }

  /** "The item is still at the version the snapshot saw" (0 = absent). */
  private static final class Cond {
    /** For blind writes: "the item holds no split value" (absent items pass). */
    static final Cond NOT_SPLIT = new Cond("attribute_not_exists(#n)", Map.of("#n", Schema.PARTS), null);

    final String expr;
    final Map<String, String> names;
    final Map<String, AttributeValue> values;

    Cond(long version) {
      this(version == 0 ? "attribute_not_exists(#ver)" : "#ver = :ver", Map.of("#ver", Schema.VER),
          version == 0 ? null : Map.of(":ver", num(version)));
    }

    private Cond(String expr, Map<String, String> names, Map<String, AttributeValue> values) {
      this.expr = expr;
      this.names = names;
      this.values = values;
    }
  }
}
