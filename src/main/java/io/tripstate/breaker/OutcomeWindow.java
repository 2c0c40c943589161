package io.tripstate.breaker;

/**
 * The recent calls of a closed breaker with a {@code count} or {@code time} window. Records in O(1)
 * without allocating.
 */
interface OutcomeWindow {

  static OutcomeWindow create(BreakerSettings.Window window) {
    return switch (window.type()) {
      case COUNT -> new CountWindow(window.size());
      case TIME -> new TimeWindow(window.size());
      case CONSECUTIVE -> throw new IllegalArgumentException("a consecutive window keeps no outcomes");
    };
  }

  void record(boolean failure, boolean slow, long nowMs);

  /** Calls in the window at {@code nowMs}. */
  int calls(long nowMs);

  int failures(long nowMs);

  int slowCalls(long nowMs);

  /** Slow calls that also failed (a part of {@link #slowCalls}), for metrics. */
  int slowFailures(long nowMs);

  void clear();

  WindowState state();

  /** Loads persisted counters; the caller checked that type and size match. */
  void load(WindowState state);

  /** Whether the rates over the window reach a threshold, once the window holds enough calls. */
  static boolean tripped(OutcomeWindow window, BreakerSettings settings, long nowMs) {
    int calls = window.calls(nowMs);
    if (calls < settings.window().minimumCalls() || calls == 0) {
      return false;
    }
    return window.failures(nowMs) * 100L >= (long) settings.failureRateThreshold() * calls
        || window.slowCalls(nowMs) * 100L >= (long) settings.slowCallRateThreshold() * calls;
  }
}
