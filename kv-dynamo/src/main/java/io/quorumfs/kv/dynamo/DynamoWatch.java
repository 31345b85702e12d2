package io.quorumfs.kv.dynamo;

import static io.quorumfs.kv.dynamo.Schema.bin;

import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.KvClosedException;
import io.quorumfs.kv.Watch;
import io.quorumfs.kv.WatchListener;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import software.amazon.awssdk.services.dynamodb.DynamoDbClient;
import software.amazon.awssdk.services.dynamodb.model.AttributeValue;
import software.amazon.awssdk.services.dynamodb.model.QueryResponse;

/**
 * One {@code watch} subscription: a thread that reads the change log (one item per revision, in
 * revision order) with range queries after the last delivered revision. Revisions are contiguous
 * here (each commit is the previous revision + 1), so a missing log item means it was trimmed out
 * of the history window, and the subscriber gets RESYNC. Polls with a growing pause while idle
 * (5 ms to 100 ms); commits through the same store instance wake it at once.
 */
final class DynamoWatch implements Watch, Runnable {

  private static final int BATCH = 256;
  private static final long MIN_PAUSE_MS = 5;
  private static final long MAX_PAUSE_MS = 100;

  private final DynamoDbClient db;
  private final String table;
  private final Calls calls;
  private final Reader reader;
  private final WatchListener listener;
  private final Consumer<DynamoWatch> onEnd;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition wake = lock.newCondition();
  private boolean poked;
  private volatile boolean stopped;
  private long delivered;
  private long progressSent;

  DynamoWatch(DynamoDbClient db, String table, Calls calls, Reader reader, long from,
      WatchListener listener, Consumer<DynamoWatch> onEnd) {
    this.db = db;
    this.table = table;
    this.calls = calls;
    this.reader = reader;
    this.delivered = from;
    this.progressSent = from;
    this.listener = listener;
    this.onEnd = onEnd;
  }

  /** A commit happened through this store: poll now. */
  void poke() {
    lock.lock();
    try {
      poked = true;
      wake.signalAll();
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void run() {
    Throwable cause = null;
    long pause = MIN_PAUSE_MS;
    try {
      while (!stopped) {
        long head = reader.revision();
        boolean caughtUp = poll(head);
        if (stopped) {
          break;
        }
        if (caughtUp && delivered >= head && progressSent < delivered) {
          progressSent = delivered;
          listener.onProgress(delivered);
        }
        if (caughtUp) {
          idle(pause);
          pause = Math.min(pause * 2, MAX_PAUSE_MS);
        } else {
          pause = MIN_PAUSE_MS;
        }
      }
    } catch (KvClosedException e) {
      // the store closed: a normal end
    } catch (RuntimeException | Error e) {
      cause = stopped ? null : e;
    }
    onEnd.accept(this);
    listener.onClose(cause);
  }

  /** Delivers the next batch of log items; true if there was nothing more to read. */
  private boolean poll(long head) {
    if (head <= delivered) {
      return true;
    }
    List<ChangeEvent> events = read(delivered);
    if (events.isEmpty() || events.get(0).revision() != delivered + 1) {
      // the log no longer holds delivered + 1: trimmed out of the history window
      List<ChangeEvent> again = read(delivered);
      if (again.isEmpty() || again.get(0).revision() != delivered + 1) {
        delivered = Math.max(head, again.isEmpty() ? head : again.get(0).revision() - 1);
        listener.onResync(delivered);
        return false;
      }
      events = again;
    }
    for (ChangeEvent e : events) {
      if (stopped) {
        return true;
      }
      if (e.revision() != delivered + 1) {
        break; // trimmed while we read: the next poll resyncs
      }
      listener.onEvent(e);
      delivered = e.revision();
    }
    return events.size() < BATCH;
  }

  private List<ChangeEvent> read(long after) {
    Map<String, AttributeValue> values = new HashMap<>();
    values.put(":p", Schema.LOG_PARTITION);
    values.put(":after", bin(Schema.be64(after)));
    QueryResponse r = calls.run("watch read of the change log", () -> db.query(b -> b.tableName(table)
        .keyConditionExpression("#p = :p AND #s > :after")
        .expressionAttributeNames(Map.of("#p", Schema.P, "#s", Schema.S))
        .expressionAttributeValues(values).consistentRead(true).limit(BATCH)));
    List<ChangeEvent> out = new ArrayList<>(r.items().size());
    for (Map<String, AttributeValue> item : r.items()) {
      long rev = Schema.be64(Schema.bytes(item.get(Schema.S)));
      out.add(ChangeCodec.decode(rev, Schema.bytes(item.get(Schema.CHANGES))));
    }
    return out;
  }

  private void idle(long millis) {
    lock.lock();
    try {
      long nanos = TimeUnit.MILLISECONDS.toNanos(millis);
      while (!poked && !stopped && nanos > 0) {
        nanos = wake.awaitNanos(nanos);
      }
      poked = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      stopped = true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    stopped = true;
    poke();
  }
}
