package io.quorumfs.meta;

import java.nio.ByteBuffer;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

/**
 * The dedupe table of leader-batched commits ({@link Wire#GROUP} entries): per client id, the
 * result of every txn sequence number at or above the client's low-water mark. Apply consults it
 * so that a retried (client, seq) — after a lost reply, a leader change or a replica restart — is
 * answered with the recorded result and never applied twice.
 *
 * <p>Bounded two ways, both deterministic (apply must be): a client's low-water mark ("every seq
 * below it is acknowledged") drops older results, and a client not heard from for
 * {@link #idleMillis} of leader-stamped entry time ({@link LogClock}: log-carried, independent of
 * any replica's wall clock) is forgotten. Expiry walks a (last seen, client)
 * index from its oldest end, so it costs O(clients expired), not O(table). The index is derived
 * from the rows (rebuilt on {@link #load}), so the persisted format is the rows alone. The table's
 * changed rows are persisted in the same atomic write as the entry's data
 * ({@link ReplicaStore#apply}); one thread (the apply thread) uses it.
 */
final class CommitSessions {

  /** One client's row. */
  static final class Session {
    long lowWater;
    long lastSeenMillis;
    final TreeMap<Long, byte[]> results = new TreeMap<>();
  }

  /** What apply should do with one (client, seq). */
  enum Seen { NEW, DUPLICATE, ACKNOWLEDGED }

  /** A client's place in the expiry index. */
  private record Idle(long lastSeenMillis, UUID client) {}

  private static final Comparator<Idle> OLDEST_FIRST =
      Comparator.comparingLong(Idle::lastSeenMillis).thenComparing(Idle::client);

  private final Map<UUID, Session> sessions = new HashMap<>();
  /** Every session, oldest last-seen first: what {@link #expire} walks. */
  private final TreeSet<Idle> byLastSeen = new TreeSet<>(OLDEST_FIRST);
  private final Map<UUID, byte[]> dirty = new LinkedHashMap<>();
  private final long idleMillis;

  CommitSessions(long idleMillis) {
    this.idleMillis = idleMillis;
  }

  /** Replaces the table with the persisted rows (start, snapshot install). */
  void load(Map<UUID, byte[]> rows) {
    sessions.clear();
    byLastSeen.clear();
    dirty.clear();
    rows.forEach((id, row) -> {
      Session s = decode(row);
      sessions.put(id, s);
      byLastSeen.add(new Idle(s.lastSeenMillis, id));
    });
  }

  int size() {
    return sessions.size();
  }

  /** The latest entry time a client was last seen at (0 if none): a floor for the log's time. */
  long newestSeen() {
    return byLastSeen.isEmpty() ? 0 : byLastSeen.last().lastSeenMillis();
  }

  Seen seen(UUID client, long seq) {
    Session s = sessions.get(client);
    if (s == null) {
      return Seen.NEW;
    }
    if (s.results.containsKey(seq)) {
      return Seen.DUPLICATE;
    }
    return seq < s.lowWater ? Seen.ACKNOWLEDGED : Seen.NEW;
  }

  byte[] result(UUID client, long seq) {
    Session s = sessions.get(client);
    return s == null ? null : s.results.get(seq);
  }

  /** The client was heard from at {@code now}: raises its low-water mark, drops older results. */
  void touch(UUID client, long lowWater, long now) {
    Session s = session(client);
    if (now > s.lastSeenMillis) {
      byLastSeen.remove(new Idle(s.lastSeenMillis, client));
      s.lastSeenMillis = now;
      byLastSeen.add(new Idle(now, client));
    }
    if (lowWater > s.lowWater) {
      s.lowWater = lowWater;
      s.results.headMap(lowWater).clear();
    }
    dirty.put(client, null);
  }

  void record(UUID client, long seq, byte[] result) {
    session(client).results.put(seq, result);
    dirty.put(client, null);
  }

  private Session session(UUID client) {
    Session s = sessions.get(client);
    if (s == null) {
      s = new Session();
      sessions.put(client, s);
      byLastSeen.add(new Idle(s.lastSeenMillis, client));
    }
    return s;
  }

  /** Forgets clients idle for longer than the bound at leader time {@code now}. */
  void expire(long now) {
    while (!byLastSeen.isEmpty() && now - byLastSeen.first().lastSeenMillis() > idleMillis) {
      UUID id = byLastSeen.pollFirst().client();
      sessions.remove(id);
      dirty.put(id, null);
    }
  }

  /** The rows changed since the last call, encoded (null = delete), to persist with the entry. */
  Map<UUID, byte[]> drainDirty() {
    if (dirty.isEmpty()) {
      return Map.of();
    }
    Map<UUID, byte[]> out = new LinkedHashMap<>();
    for (UUID id : dirty.keySet()) {
      Session s = sessions.get(id);
      out.put(id, s == null ? null : encode(s));
    }
    dirty.clear();
    return out;
  }

  static byte[] encode(Session s) {
    int size = 20;
    for (byte[] r : s.results.values()) {
      size += 12 + r.length;
    }
    ByteBuffer b = ByteBuffer.allocate(size);
    b.putLong(s.lowWater).putLong(s.lastSeenMillis).putInt(s.results.size());
    s.results.forEach((seq, r) -> b.putLong(seq).putInt(r.length).put(r));
    return b.array();
  }

  static Session decode(byte[] row) {
    ByteBuffer b = ByteBuffer.wrap(row);
    Session s = new Session();
    s.lowWater = b.getLong();
    s.lastSeenMillis = b.getLong();
    int n = b.getInt();
    for (int i = 0; i < n; i++) {
      long seq = b.getLong();
      byte[] r = new byte[b.getInt()];
      b.get(r);
      s.results.put(seq, r);
    }
    return s;
  }

  static byte[] idBytes(UUID id) {
    return ByteBuffer.allocate(16).putLong(id.getMostSignificantBits()).putLong(id.getLeastSignificantBits()).array();
  }

  static UUID idOf(byte[] b, int offset) {
    ByteBuffer buf = ByteBuffer.wrap(b, offset, 16);
    return new UUID(buf.getLong(), buf.getLong());
  }
}
