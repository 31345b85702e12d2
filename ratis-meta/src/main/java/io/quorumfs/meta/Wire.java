package io.quorumfs.meta;

import io.quorumfs.kv.Change;
import io.quorumfs.kv.ChangeEvent;
import io.quorumfs.kv.Compare;
import io.quorumfs.kv.Op;
import io.quorumfs.kv.Txn;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The compact binary encoding of every message between a raft:// client and a replica, and of
 * the log entries themselves. All integers are big-endian; a byte string is an int length
 * followed by the bytes (length -1 = null). The first byte of every message names its kind.
 *
 * <pre>
 * client-batched log entry    'C' int n, n × txn   (written by older clients; replicas still apply it)
 *   txn                       int nCompares, (bytes key, long version)*, int nOps, op*
 *   op                        'P' bytes key, bytes value | 'D' bytes key
 *                             | 'A' bytes key, long delta | 'M' bytes key, long value
 * get request                 'G' int n, n × bytes key
 * scan request                'S' bytes start, bytes end?, int limit, bytes after?
 * revision request            'R'
 * status request              'T'
 * digest request              'D'
 * follower read               'F' long minIndex, query
 * reset entry (tests only)    'X'
 * leader-batched entry        'B' long leaderMillis, int count, (long clientHi, long clientLo,
 *                                 long seq, long lowWater, txn)*   (reply: 'k' int count, bytes outcome*)
 * Commit RPC request          int count, (long clientHi, long clientLo, long seq, long lowWater, txn)*
 * Commit RPC reply            'k' int count, bytes outcome* | 'n' str leaderAddress ("" unknown) | 'e' str message
 * txn outcome                 1 long revision, int n, long opResult*  (applied)
 *                             0 int n, int failedCompareIndex*        (a compare failed)
 *                             2 str why                               (invalid: nothing applied)
 * </pre>
 *
 * Replies are built by {@link Out} and read by {@link In}; their layouts sit next to the code
 * that writes them ({@link MetaStateMachine}) and reads them ({@link RaftKvStore}).
 */
final class Wire {

  static final byte COMMIT = 'C';
  static final byte GET = 'G';
  static final byte SCAN = 'S';
  static final byte REVISION = 'R';
  static final byte STATUS = 'T';
  static final byte DIGEST = 'D';
  /** A follower read: {@code 'F' long minIndex, query}: answered once the replica applied minIndex. */
  static final byte AT_INDEX = 'F';
  /**
   * Log entry for tests only: delete every key and forget the feed history, so one cluster can
   * serve many "fresh, empty store" test cases. Revisions keep increasing across it.
   */
  static final byte RESET = 'X';
  /** A log entry of txns from many clients, batched by the leader, each with its (client, seq). */
  static final byte GROUP = 'B';

  /** Reply kinds. */
  static final byte OK = 'k';
  static final byte ERROR = 'e';
  /** Commit RPC reply: this replica is not the leader; the leader's address follows ("" if unknown). */
  static final byte NOT_LEADER = 'n';

  private Wire() {}

  /** A message that does not parse. Deterministic: the same bytes always fail the same way. */
  static final class MalformedException extends Exception {
    private static final long serialVersionUID = 1L;

    MalformedException(String message) {
      super(message);
    }
  }

  static void writeTxn(Out o, Txn t) {
    o.i(t.compares().size());
    for (Compare c : t.compares()) {
      o.bytes(c.key()).l(c.version());
    }
    o.i(t.ops().size());
    for (Op op : t.ops()) {
      if (op instanceof Op.Put p) {
        o.b('P').bytes(p.key()).bytes(p.value());
      } else if (op instanceof Op.Delete d) {
        o.b('D').bytes(d.key());
      } else if (op instanceof Op.Add a) {
        o.b('A').bytes(a.key()).l(a.delta());
      } else {
        Op.Max m = (Op.Max) op;
        o.b('M').bytes(m.key()).l(m.value());
      }
    }
  }

  /** Decodes a client-batched ({@link #COMMIT}) log entry. */
  static List<Txn> decodeBatch(byte[] data, int maxTxns) throws MalformedException {
    In in = new In(data);
    byte kind = in.b();
    if (kind != COMMIT) {
      throw new MalformedException("entry kind " + (kind & 0xFF) + " is not a commit ('C')");
    }
    int n = in.count();
    if (n > maxTxns) {
      throw new MalformedException("entry holds " + n + " txns, more than the limit of " + maxTxns);
    }
    List<Txn> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(readTxn(in));
    }
    in.end();
    return out;
  }

  /** One txn of a {@link #GROUP} entry: its client, sequence number, the client's low-water mark. */
  record GroupItem(java.util.UUID client, long seq, long lowWater, Txn txn) {}

  /** A decoded {@link #GROUP} entry. */
  record Group(long leaderMillis, List<GroupItem> items) {}

  /**
   * Encodes a {@link #GROUP} entry from Commit RPC requests (each already checked by
   * {@link #readCommitRequest}; their items are concatenated).
   */
  static byte[] encodeGroup(long leaderMillis, List<byte[]> requests) {
    int size = 13;
    int count = 0;
    for (byte[] r : requests) {
      size += r.length - 4;
      count += java.nio.ByteBuffer.wrap(r).getInt();
    }
    java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(size);
    b.put(GROUP).putLong(leaderMillis).putInt(count);
    for (byte[] r : requests) {
      b.put(r, 4, r.length - 4);
    }
    return b.array();
  }

  static Group decodeGroup(byte[] data, int maxTxns) throws MalformedException {
    In in = new In(data);
    byte kind = in.b();
    if (kind != GROUP) {
      throw new MalformedException("entry kind " + (kind & 0xFF) + " is not a group ('B')");
    }
    long millis = in.l();
    int n = in.count();
    if (n > maxTxns) {
      throw new MalformedException("entry holds " + n + " txns, more than the limit of " + maxTxns);
    }
    List<GroupItem> items = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      items.add(readGroupItem(in));
    }
    in.end();
    return new Group(millis, items);
  }

  private static GroupItem readGroupItem(In in) throws MalformedException {
    java.util.UUID client = new java.util.UUID(in.l(), in.l());
    long seq = in.l();
    long low = in.l();
    if (seq < 1 || low < 0 || low > seq) {
      throw new MalformedException("bad sequence numbers: seq " + seq + ", low-water mark " + low);
    }
    return new GroupItem(client, seq, low, readTxn(in));
  }

  /** A Commit RPC request of one client: its txns with their seqs, all with the same low-water mark. */
  static byte[] encodeCommitRequest(java.util.UUID client, long[] seqs, long lowWater, List<Txn> txns) {
    List<byte[]> encoded = new java.util.ArrayList<>(txns.size());
    for (Txn t : txns) {
      encoded.add(encodeTxn(t));
    }
    return encodeCommitRequestOf(client, seqs, lowWater, encoded);
  }

  static byte[] encodeCommitRequest(java.util.UUID client, long seq, long lowWater, Txn txn) {
    return encodeCommitRequest(client, new long[] {seq}, lowWater, List.of(txn));
  }

  /** One txn as {@link #writeTxn} writes it, to be placed in requests by {@link #encodeCommitRequestOf}. */
  static byte[] encodeTxn(Txn txn) {
    Out o = new Out(64);
    writeTxn(o, txn);
    return o.bytes();
  }

  /** The bytes of a request's items header and txn: what one txn adds to a Commit RPC request. */
  static final int COMMIT_ITEM_HEADER = 32;

  /**
   * {@link #encodeCommitRequest(java.util.UUID, long[], long, List)} from txns already encoded by
   * {@link #encodeTxn}: a commit encodes its txn once, however often its request is sent.
   */
  static byte[] encodeCommitRequestOf(java.util.UUID client, long[] seqs, long lowWater, List<byte[]> txns) {
    int size = 4;
    for (byte[] t : txns) {
      size += COMMIT_ITEM_HEADER + t.length;
    }
    Out o = new Out(size);
    o.i(txns.size());
    for (int i = 0; i < txns.size(); i++) {
      o.l(client.getMostSignificantBits()).l(client.getLeastSignificantBits()).l(seqs[i]).l(lowWater);
      o.raw(txns.get(i));
    }
    return o.bytes();
  }

  /** Checks a whole Commit RPC request (so one bad request cannot spoil a batch); returns its item count. */
  static int readCommitRequest(byte[] request, int maxTxns) throws MalformedException {
    In in = new In(request);
    int n = in.count();
    if (n < 1 || n > maxTxns) {
      throw new MalformedException("commit request holds " + n + " txns, not 1.." + maxTxns);
    }
    for (int i = 0; i < n; i++) {
      readGroupItem(in);
    }
    in.end();
    return n;
  }

  static void writeOutcome(Out o, TxnApplier.TxnOutcome t) {
    if (t.ok()) {
      o.b(1).l(t.revision()).i(t.opResults().length);
      for (long v : t.opResults()) {
        o.l(v);
      }
    } else if (t.invalid() != null) {
      o.b(2).str(t.invalid());
    } else {
      o.b(0).i(t.failedCompares().length);
      for (int c : t.failedCompares()) {
        o.i(c);
      }
    }
  }

  static byte[] outcome(TxnApplier.TxnOutcome t) {
    Out o = new Out(24);
    writeOutcome(o, t);
    return o.bytes();
  }

  /**
   * Reads one txn outcome written by {@link #writeOutcome}.
   *
   * @throws IllegalArgumentException for an invalid txn (an Add or Max on a non-counter value)
   */
  static io.quorumfs.kv.CommitResult readOutcome(In in, Txn txn) throws MalformedException {
    byte status = in.b();
    if (status == 2) {
      throw new IllegalArgumentException(in.str());
    } else if (status == 1) {
      long rev = in.l();
      int k = in.count();
      List<Long> results = new ArrayList<>(k);
      for (int i = 0; i < k; i++) {
        results.add(in.l());
      }
      return io.quorumfs.kv.CommitResult.ok(rev, results);
    } else if (status == 0) {
      int k = in.count();
      List<Compare> failed = new ArrayList<>(k);
      for (int i = 0; i < k; i++) {
        int at = in.i();
        if (at < 0 || at >= txn.compares().size()) {
          throw new MalformedException("failed compare " + at + " of a txn with " + txn.compares().size());
        }
        failed.add(txn.compares().get(at));
      }
      return io.quorumfs.kv.CommitResult.conflict(failed);
    }
    throw new MalformedException("unknown outcome status " + status);
  }

  static Txn readTxn(In in) throws MalformedException {
    Txn.Builder b = Txn.builder();
    try {
      int nc = in.count();
      for (int j = 0; j < nc; j++) {
        byte[] key = in.bytes();
        b.requireVersion(key, in.l());
      }
      int no = in.count();
      for (int j = 0; j < no; j++) {
        byte type = in.b();
        byte[] key = in.bytes();
        switch (type) {
          case 'P' -> b.put(key, nonNull(in.bytes(), "put value"));
          case 'D' -> b.delete(key);
          case 'A' -> b.add(key, in.l());
          case 'M' -> b.max(key, in.l());
          default -> throw new MalformedException("unknown op type " + (type & 0xFF));
        }
      }
    } catch (IllegalArgumentException | NullPointerException e) {
      throw new MalformedException("invalid txn: " + e.getMessage());
    }
    return b.build();
  }

  private static byte[] nonNull(byte[] b, String what) throws MalformedException {
    if (b == null) {
      throw new MalformedException(what + " is null");
    }
    return b;
  }

  static void writeEvent(Out o, ChangeEvent e) {
    o.l(e.revision()).i(e.changes().size());
    for (Change c : e.changes()) {
      o.bytes(c.key()).bytes(c.value()).l(c.version()).b(c.valueOmitted() ? 1 : 0);
    }
  }

  static ChangeEvent readEvent(In in) throws MalformedException {
    long rev = in.l();
    int n = in.count();
    List<Change> changes = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      changes.add(new Change(in.bytes(), in.bytes(), in.l(), in.b() != 0));
    }
    return new ChangeEvent(rev, changes);
  }

  static int encodedSize(ChangeEvent e) {
    int n = 12;
    for (Change c : e.changes()) {
      n += 17 + c.key().length + (c.value() == null ? 0 : c.value().length);
    }
    return n;
  }

  /** A growable big-endian writer. */
  static final class Out {
    private final ByteArrayOutputStream buf;
    private final DataOutputStream out;

    Out(int sizeHint) {
      buf = new ByteArrayOutputStream(Math.max(32, sizeHint));
      out = new DataOutputStream(buf);
    }

    Out b(int v) {
      try {
        out.writeByte(v);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    Out i(int v) {
      try {
        out.writeInt(v);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    Out l(long v) {
      try {
        out.writeLong(v);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    Out bytes(byte[] v) {
      try {
        if (v == null) {
          out.writeInt(-1);
        } else {
          out.writeInt(v.length);
          out.write(v);
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      return this;
    }

    Out str(String s) {
      return bytes(s == null ? null : s.getBytes(StandardCharsets.UTF_8));
    }

    /** Appends bytes as they are (no length prefix): pre-encoded parts. */
    Out raw(byte[] v) {
      buf.write(v, 0, v.length);
      return this;
    }

    int size() {
      return buf.size();
    }

    byte[] bytes() {
      return buf.toByteArray();
    }
  }

  /** A bounds-checked reader: every overrun is a {@link MalformedException}, never an index error. */
  static final class In {
    private final ByteBuffer buf;

    In(byte[] data) {
      buf = ByteBuffer.wrap(data);
    }

    private void need(int n) throws MalformedException {
      if (buf.remaining() < n) {
        throw new MalformedException("truncated message: need " + n + " bytes at offset "
            + buf.position() + ", only " + buf.remaining() + " left");
      }
    }

    byte b() throws MalformedException {
      need(1);
      return buf.get();
    }

    int i() throws MalformedException {
      need(4);
      return buf.getInt();
    }

    /** A non-negative element count that cannot exceed what the remaining bytes could hold. */
    int count() throws MalformedException {
      int n = i();
      if (n < 0 || n > buf.remaining()) {
        throw new MalformedException("count " + n + " at offset " + (buf.position() - 4)
            + " is impossible with " + buf.remaining() + " bytes left");
      }
      return n;
    }

    long l() throws MalformedException {
      need(8);
      return buf.getLong();
    }

    byte[] bytes() throws MalformedException {
      int n = i();
      if (n == -1) {
        return null;
      }
      if (n < -1) {
        throw new MalformedException("negative length " + n + " at offset " + (buf.position() - 4));
      }
      need(n);
      byte[] b = new byte[n];
      buf.get(b);
      return b;
    }

    String str() throws MalformedException {
      byte[] b = bytes();
      return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }

    boolean hasMore() {
      return buf.hasRemaining();
    }

    void end() throws MalformedException {
      if (buf.hasRemaining()) {
        throw new MalformedException(buf.remaining() + " trailing bytes after the message");
      }
    }
  }
}
