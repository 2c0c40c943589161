package io.tripstate.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One section's Markdown table, printed and written to {@code target/bench/<file>.md} (or the directory in the
 * system property {@code bench.out}), where {@code ./run.sh bench} collects the summary.
 */
final class Summary {
  private final String file;
  private final List<String> lines = new ArrayList<>();

  Summary(String file, String title, String... header) {
    this.file = file;
    lines.add("### " + title);
    lines.add("");
    lines.add("| " + String.join(" | ", header) + " |");
    lines.add("|" + "---|".repeat(header.length));
  }

  void row(Object... cells) {
    StringBuilder row = new StringBuilder("|");
    for (Object cell : cells) {
      row.append(' ').append(cell).append(" |");
    }
    lines.add(row.toString());
  }

  void note(String text) {
    lines.add("");
    lines.add(text);
  }

  void write() {
    String text = String.join("\n", lines) + "\n";
    System.out.println();
    System.out.print(text);
    Path dir = Path.of(System.getProperty("bench.out", "target/bench"));
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve(file + ".md"), text, UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static boolean quick(String[] args) {
    return List.of(args).contains("--quick");
  }

  static String ratio(double value, double anchor) {
    // NaN when the anchor did not run (e.g. excluded by -Dbench.include).
    // Three decimals under 0.1x: two would round 0.024x and 0.016x alike, hiding a 1.5x difference.
    return !(anchor > 0) ? "n/a" : String.format(value / anchor < 0.1 ? "%.3fx" : "%.2fx", value / anchor);
  }
}
