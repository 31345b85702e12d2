package io.quorumfs.kv.dynamo;

import io.quorumfs.kv.Bytes;
import io.quorumfs.kv.KeyRange;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

/**
 * Turns head items arriving in sort-key order into one scan page: filters by range and resume
 * point, sorts each run of long keys (which share a sort-key prefix and are hash-ordered inside
 * it) by full key, and stops once it knows whether a key follows the page's last one.
 */
final class PageCollector {

  final List<Map<String, AttributeValue>> entries = new ArrayList<>();
  boolean more;

  private final KeyRange range;
  private final byte[] after;
  private final int limit;
  private final List<Map<String, AttributeValue>> group = new ArrayList<>();
  private byte[] groupPrefix;
  private boolean done;

  PageCollector(KeyRange range, byte[] after, int limit) {
    this.range = range;
    this.after = after;
    this.limit = limit;
  }

  /** How many items the next Query page should ask for. */
  int fetchSize() {
    return (int) Math.min((long) limit - entries.size() + 2, 10_000);
  }

  /** Takes the next item; false once the page is complete. */
  boolean offer(Map<String, AttributeValue> item) {
    if (done) {
      return false;
    }
    byte[] sk = Schema.bytes(item.get(Schema.S));
    if (Schema.isLongSortKey(sk)) {
      byte[] prefix = Arrays.copyOf(sk, Schema.SHORT_KEY_MAX);
      if (groupPrefix != null && !Arrays.equals(prefix, groupPrefix)) {
        flushGroup();
        if (done) {
          return false;
        }
      }
      groupPrefix = prefix;
      group.add(item);
      return true;
    }
    flushGroup();
    if (!done) {
      accept(item);
    }
    return !done;
  }

  /** The query found no more items. */
  void finish() {
    flushGroup();
  }

  private void flushGroup() {
    if (group.isEmpty()) {
      return;
    }
    group.sort(Comparator.comparing(Schema::keyOf, Bytes.ORDER));
    for (Map<String, AttributeValue> item : group) {
      if (done) {
        break;
      }
      accept(item);
    }
    group.clear();
    groupPrefix = null;
  }

  private void accept(Map<String, AttributeValue> item) {
    byte[] key = Schema.keyOf(item);
    if (!range.contains(key) || (after != null && Bytes.compare(key, after) <= 0)) {
      return;
    }
    if (entries.size() == limit) {
      more = true;
      done = true;
    } else {
      entries.add(item);
    }
  }
}
