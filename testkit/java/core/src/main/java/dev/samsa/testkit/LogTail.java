package dev.samsa.testkit;

import java.util.ArrayDeque;

/** The last lines of the broker's log (its stderr), bounded in lines and characters. */
final class LogTail {
  private final int maxLines;
  private final int maxChars;
  private final ArrayDeque<String> lines = new ArrayDeque<>();
  private int chars;
  private long dropped;

  LogTail(int maxLines, int maxChars) {
    this.maxLines = maxLines;
    this.maxChars = maxChars;
  }

  synchronized void add(String line) {
    if (line.length() > maxChars) line = line.substring(0, maxChars) + "...";
    lines.addLast(line);
    chars += line.length() + 1;
    while (lines.size() > maxLines || chars > maxChars) {
      chars -= lines.removeFirst().length() + 1;
      dropped++;
    }
  }

  /** The kept lines, each ending in a newline; a first line says how many went before. */
  synchronized String text() {
    StringBuilder sb = new StringBuilder(chars + 64);
    if (dropped > 0) sb.append("[... ").append(dropped).append(" earlier lines not kept]\n");
    for (String l : lines) sb.append(l).append('\n');
    return sb.toString();
  }

  /** The last n lines at most. */
  synchronized String last(int n) {
    StringBuilder sb = new StringBuilder();
    int skip = Math.max(0, lines.size() - n);
    for (String l : lines) {
      if (skip-- > 0) continue;
      sb.append(l).append('\n');
    }
    return sb.toString();
  }
}
