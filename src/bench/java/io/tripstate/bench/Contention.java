package io.tripstate.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How much CPU the rest of the machine took while a figure was measured: all CPUs' busy time (steal included)
 * from {@code /proc/stat} minus this process's own from {@code /proc/self/stat}, in cores (1.0 = one core
 * fully used by others). On a 2-core machine shared with other work, a figure measured while others took half a
 * core or more is the share of CPU the bench got, not the code's cost; ratios between figures measured at
 * different moments then mislead. NaN where /proc is not readable (not Linux).
 */
final class Contention {
  /** Above this many cores taken by others, a --quick figure is labelled not comparable. */
  static final double MAX_OTHERS_CORES = 0.5;
  private static final double TICKS_PER_SECOND = 100; // USER_HZ, 100 on every Linux that matters here

  private final long startNanos;
  private final long startBusy;
  private final long startOwn;

  private Contention(long startNanos, long startBusy, long startOwn) {
    this.startNanos = startNanos;
    this.startBusy = startBusy;
    this.startOwn = startOwn;
  }

  /** Starts an interval now. */
  static Contention start() {
    return new Contention(System.nanoTime(), busyTicks(), ownTicks());
  }

  /** Cores used by other processes (and the hypervisor's steal) on average since {@link #start()}. */
  double othersCores() {
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    long busy = busyTicks();
    long own = ownTicks();
    if (busy < 0 || own < 0 || startBusy < 0 || startOwn < 0 || seconds <= 0) {
      return Double.NaN;
    }
    return Math.max(0, ((busy - startBusy) - (own - startOwn)) / TICKS_PER_SECOND / seconds);
  }

  static String format(double cores) {
    return Double.isNaN(cores) ? "n/a" : String.format("%.2f", cores);
  }

  /** user + nice + system + irq + softirq + steal of the "cpu" line (all CPUs); -1 if unreadable. */
  private static long busyTicks() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      return Long.parseLong(f[1]) + Long.parseLong(f[2]) + Long.parseLong(f[3]) + Long.parseLong(f[6])
          + Long.parseLong(f[7]) + Long.parseLong(f[8]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }

  /** utime + stime of this process (all its threads); -1 if unreadable. */
  private static long ownTicks() {
    try {
      String stat = Files.readString(Path.of("/proc/self/stat"));
      // Fields after the command name, which is in parentheses and may contain spaces.
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    } catch (IOException | RuntimeException e) {
      return -1;
    }
  }
}
