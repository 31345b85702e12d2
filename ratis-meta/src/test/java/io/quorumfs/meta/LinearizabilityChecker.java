package io.quorumfs.meta;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Checks a history of a counter that starts at 0, where every write is "add 1, return the new
 * value" and every read returns the value. Because each add reports its own position, the only
 * candidate linearization orders ops by value (an add of v before every read of v); the history is
 * linearizable iff add results are exactly 1..n and that order respects real time: whenever op A
 * completed before op B started, A comes no later than B.
 */
final class LinearizabilityChecker {

  /** One completed operation: its result and its [start, end] wall interval (nanos). */
  record Op(boolean add, long value, long start, long end) {
    /** Position in the value order: add v sits just before the reads of v. */
    long rank() {
      return add ? 2 * value - 1 : 2 * value;
    }
  }

  private LinearizabilityChecker() {}

  /** Returns null when linearizable, else a description of the first violation found. */
  static String checkCounter(List<Op> history) {
    List<Op> adds = history.stream().filter(Op::add).toList();
    Set<Long> values = new HashSet<>();
    for (Op a : adds) {
      if (!values.add(a.value())) {
        return "two adds returned " + a.value();
      }
      if (a.value() < 1 || a.value() > adds.size()) {
        return "add returned " + a.value() + " with only " + adds.size() + " adds";
      }
    }
    for (Op r : history) {
      if (!r.add() && (r.value() < 0 || r.value() > adds.size())) {
        return "read returned " + r.value() + " with only " + adds.size() + " adds";
      }
    }
    // Real time: for every pair where A ended before B started, rank(A) <= rank(B) (strict for two adds).
    // Sorted by start time, keep the maximum rank among ops that ended before each op starts.
    List<Op> byEnd = new ArrayList<>(history);
    byEnd.sort(Comparator.comparingLong(Op::end));
    List<Op> byStart = new ArrayList<>(history);
    byStart.sort(Comparator.comparingLong(Op::start));
    long maxRank = Long.MIN_VALUE;
    Op maxOp = null;
    int e = 0;
    for (Op b : byStart) {
      while (e < byEnd.size() && byEnd.get(e).end() < b.start()) {
        Op a = byEnd.get(e++);
        if (a.rank() > maxRank) {
          maxRank = a.rank();
          maxOp = a;
        }
      }
      if (maxOp != null && (maxRank > b.rank() || (maxRank == b.rank() && maxOp.add() && b.add()))) {
        return "real-time order violated: " + maxOp + " completed before " + b + " started";
      }
    }
    return null;
  }
}
