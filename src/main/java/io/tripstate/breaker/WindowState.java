package io.tripstate.breaker;

import java.util.List;

/**
 * The counters of a {@code count} or {@code time} window, as persisted, so that a restore gives back the
 * same window.
 *
 * @param type {@code count} or {@code time}
 * @param size the window's size when written (a restore under another size starts empty)
 * @param outcomes {@code count}: the calls oldest first, one letter each: {@code s} success, {@code f}
 *     failure, upper case when slow; empty for {@code time}
 * @param buckets {@code time}: one {@code [epochSecond, calls, failures, slowCalls]} per non-empty second;
 *     empty for {@code count}
 */
public record WindowState(WindowType type, int size, String outcomes, List<long[]> buckets) {
  public WindowState {
    outcomes = outcomes == null ? "" : outcomes;
    buckets = buckets == null ? List.of() : List.copyOf(buckets);
  }
}
