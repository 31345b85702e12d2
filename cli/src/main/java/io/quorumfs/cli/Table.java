package io.quorumfs.cli;

import java.util.ArrayList;
import java.util.List;

/** A plain-text table with left-aligned columns, for status and stats output. */
final class Table {
  private final List<String[]> rows = new ArrayList<>();

  Table(String... header) {
    rows.add(header);
  }

  Table row(Object... cells) {
    String[] r = new String[cells.length];
    for (int i = 0; i < cells.length; i++) {
      r[i] = String.valueOf(cells[i]);
    }
    rows.add(r);
    return this;
  }

  @Override
  public String toString() {
    int cols = rows.get(0).length;
    int[] w = new int[cols];
    for (String[] r : rows) {
      for (int i = 0; i < cols && i < r.length; i++) {
        w[i] = Math.max(w[i], r[i].length());
      }
    }
    StringBuilder b = new StringBuilder();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < cols; i++) {
        String c = i < r.length ? r[i] : "";
        line.append(c).append(" ".repeat(w[i] - c.length())).append(i + 1 < cols ? "  " : "");
      }
      b.append(line.toString().stripTrailing()).append('\n');
    }
    return b.toString();
  }
}
