package io.tripstate.store;

import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Keeps a repeating problem (Redis down, a wrong password) to one log line: a warning is logged when its
 * text changes, or once a minute with the number of repeats suppressed since.
 */
public final class RepeatedWarning {
  private static final long QUIET_NANOS = TimeUnit.MINUTES.toNanos(1);

  private final LongSupplier nanoTime;
  private String last;
  private long lastLoggedNanos;
  private int suppressed;

  /** @param nanoTime monotonic time in nanoseconds (the owner's scheduler) */
  public RepeatedWarning(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /** Whether to log {@code text} now; returns the number of repeats suppressed before it, or -1 for "do not log". */
  public int check(String text) {
    long now = nanoTime.getAsLong();
    if (text.equals(last) && now - lastLoggedNanos < QUIET_NANOS) {
      suppressed++;
      return -1;
    }
    int before = suppressed;
    last = text;
    lastLoggedNanos = now;
    suppressed = 0;
    return before;
  }

  /** What to add to the logged line about the repeats {@link #check} suppressed before it. */
  public static String suppressedNote(int suppressed) {
    return suppressed > 0 ? " (" + suppressed + " similar failures not logged)" : "";
  }

  /** The problem is over: the next occurrence is logged at once. */
  public void clear() {
    last = null;
    suppressed = 0;
  }
}
