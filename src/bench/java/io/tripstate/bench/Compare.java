package io.tripstate.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Checks that a quick run does not mislead: for every row of the summary tables present in both a quick and a
 * full run's result directory, each ratio column (a header with "vs" or " / ", and Redis writes per operation)
 * side by side, with the deviation quick / full - 1 (anchor rows, 1.00x in both, are not judged). Absolute figures (ns, requests/s) are left out: the VM's
 * speed moves them between runs, which is why every table carries an anchor from its own run. A quick cell
 * labelled "not comparable" is reported as such, not judged.
 *
 * <pre>java -cp "$CP" io.tripstate.bench.Compare QUICK_DIR FULL_DIR [max deviation, default 0.30]</pre>
 *
 * {@code ./run.sh bench --quick} runs it against the last full run's copy (target/bench-build/last-full).
 */
public final class Compare {
  private static final String NOT_COMPARABLE = "not comparable";
  /** The column where DecisionCore and EventBusApi report {@link Contention}; a full run's value is checked too. */
  static final String OTHERS_COLUMN = "others' CPU (cores)";

  private Compare() {}

  /** One summary table: its ratio columns' names, and per row key the cells of those columns. */
  record Table(String title, List<String> columns, Map<String, List<String>> rows, Map<String, String> others,
      java.util.Set<String> labelledRows) {}

  public static void main(String[] args) throws IOException {
    if (args.length < 2) {
      throw new IllegalArgumentException("usage: Compare QUICK_DIR FULL_DIR [max deviation, e.g. 0.30]");
    }
    Path quickDir = Path.of(args[0]);
    Path fullDir = Path.of(args[1]);
    double max = args.length > 2 ? Double.parseDouble(args[2]) : 0.30;
    System.out.printf("### Quick (%s) vs full (%s): ratios per row, deviation = quick / full - 1%n%n", quickDir,
        fullDir);
    System.out.println("| section | row | column | full | quick | deviation | within " + Math.round(max * 100)
        + "%? |");
    System.out.println("|---|---|---|---|---|---|---|");
    int within = 0;
    int judged = 0;
    int labelled = 0;
    int labelledOff = 0;
    List<Path> files;
    try (Stream<Path> listing = Files.list(fullDir)) {
      files = listing.filter(p -> p.toString().endsWith(".md")).sorted().toList();
    }
    for (Path fullFile : files) {
      Path quickFile = quickDir.resolve(fullFile.getFileName());
      if (!Files.exists(quickFile)) {
        continue;
      }
      String section = fullFile.getFileName().toString().replace(".md", "");
      Table full = parse(Files.readAllLines(fullFile, UTF_8));
      Table quick = parse(Files.readAllLines(quickFile, UTF_8));
      for (Map.Entry<String, List<String>> row : full.rows().entrySet()) {
        List<String> quickRow = quick.rows().get(row.getKey());
        for (int c = 0; quickRow != null && c < full.columns().size(); c++) {
          String fullCell = row.getValue().get(c);
          String quickCell = quickRow.get(c);
          String column = full.columns().get(c).replaceAll(" \\(.*", "");
          double f = number(fullCell);
          double q = number(quickCell);
          if (Double.isNaN(f) || Double.isNaN(q)) {
            continue;
          }
          double d = f == 0 ? (q == 0 ? 0 : Double.POSITIVE_INFINITY) : q / f - 1;
          String deviation = Double.isInfinite(d) ? "inf" : String.format(Locale.ROOT, "%+.0f%%", 100 * d);
          boolean ok = Math.abs(d) <= max;
          String verdict;
          double fullOthers = number(full.others().getOrDefault(row.getKey(), ""));
          if (f == q && (f == 1 || f == 100)) {
            verdict = "anchor";
          } else if (quickCell.contains(NOT_COMPARABLE) || quick.labelledRows().contains(row.getKey())) {
            // Shown with its deviation all the same: whether the labels catch the figures that are off.
            verdict = "labelled (" + (ok ? "within" : "off") + ")";
            labelled++;
            labelledOff += ok ? 0 : 1;
          } else if (fullOthers > Contention.MAX_OTHERS_CORES) {
            verdict = "full run contended (" + Contention.format(fullOthers) + " cores)";
          } else {
            verdict = ok ? "yes" : "**no**";
            judged++;
            within += ok ? 1 : 0;
          }
          quickCell = quickCell.replaceAll(" \\(not comparable.*", " (labelled)");
          System.out.printf("| %s | %s | %s | %s | %s | %s | %s |%n", section, row.getKey(), column,
              fullCell, quickCell, deviation, verdict);
        }
      }
    }
    System.out.printf("%n%d of %d ratios within %d%% of the full run's; %d labelled not comparable by the quick "
        + "run (%d of them off by more).%n", within, judged, Math.round(max * 100), labelled, labelledOff);
  }

  /** The first table of a summary file: ratio columns only, rows keyed by name (and threads or in flight). */
  static Table parse(List<String> lines) {
    String title = "";
    List<String> header = null;
    List<Integer> ratioColumns = new ArrayList<>();
    Map<String, List<String>> rows = new LinkedHashMap<>();
    Map<String, String> others = new LinkedHashMap<>();
    java.util.Set<String> labelledRows = new java.util.HashSet<>();
    int othersColumn = -1;
    for (String line : lines) {
      if (line.startsWith("### ")) {
        title = line.substring(4);
      } else if (line.startsWith("|---")) {
        continue;
      } else if (line.startsWith("|") && header == null) {
        header = cells(line);
        othersColumn = header.indexOf(OTHERS_COLUMN);
        for (int c = 1; c < header.size(); c++) {
          String h = header.get(c);
          if (h.startsWith("vs ") || h.contains(" / ") || h.equals("writes per operation")) {
            ratioColumns.add(c);
          }
        }
      } else if (line.startsWith("|")) {
        List<String> cells = cells(line);
        String key = cells.get(0);
        // Rows repeat a name per thread count or number in flight: those make the key unique.
        if (header.size() > 1 && (header.get(1).equals("threads") || header.get(1).equals("in flight"))) {
          key += " @" + cells.get(1);
        }
        List<String> values = new ArrayList<>();
        for (int c : ratioColumns) {
          values.add(c < cells.size() ? cells.get(c) : "");
        }
        rows.put(key, values);
        if (line.contains(NOT_COMPARABLE)) {
          labelledRows.add(key);
        }
        if (othersColumn > 0 && othersColumn < cells.size()) {
          others.put(key, cells.get(othersColumn));
        }
      } else if (header != null && line.isBlank()) {
        break;
      }
    }
    List<String> names = new ArrayList<>();
    for (int c : ratioColumns) {
      names.add(header.get(c));
    }
    return new Table(title, names, rows, others, labelledRows);
  }

  private static List<String> cells(String line) {
    List<String> cells = new ArrayList<>();
    for (String cell : line.substring(1, line.lastIndexOf('|')).split("\\|", -1)) {
      cells.add(cell.trim());
    }
    return cells;
  }

  /** "0.54x", "104%", "2.000", "1,234" as a number; NaN for anything else ("n/a", "missing", ""). */
  static double number(String cell) {
    String s = cell.replace(",", "").trim();
    int space = s.indexOf(' ');
    if (space > 0) {
      s = s.substring(0, space);
    }
    if (s.endsWith("x") || s.endsWith("%")) {
      s = s.substring(0, s.length() - 1);
    }
    try {
      return Double.parseDouble(s);
    } catch (NumberFormatException e) {
      return Double.NaN;
    }
  }
}
