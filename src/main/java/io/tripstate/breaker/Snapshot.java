package io.tripstate.breaker;

/**
 * What is persisted and reported of one breaker. Immutable; its {@code version} is the store's, so that a
 * write based on an outdated version is refused (compare-and-set).
 *
 * @param name the breaker's name
 * @param state its state
 * @param failureCount {@code consecutive} window: consecutive failures; {@code count}/{@code time}: failures
 *     in the window; kept when the breaker opens
 * @param openedAtMs when it last opened, epoch milliseconds (kept until it closes, so also while half-open),
 *     or {@code null} when it has not opened since it last closed
 * @param halfOpenAttempts trial calls currently out in {@code half_open}; 0 otherwise
 * @param version the store's version: every write the store accepts stores the version it was based on plus
 *     one; 0 for a breaker never stored, and for the older service's version-less values
 * @param updatedAtMs when the last persisted change happened, epoch milliseconds
 * @param openTimeoutMs the current open time (grows with backoff), or {@code null} for the configured one
 * @param forcedUntilMs when a {@code forced_open} ends by itself, or {@code null}
 * @param halfOpenSuccesses successful trials so far in this half-open period
 * @param window the counters of a {@code count}/{@code time} window, or {@code null}
 * @param instance the app instance that made the last transition ({@code sharing.instanceId}), or {@code null}
 *     when unknown (the older service's values, and values written before the field existed)
 */
public record Snapshot(
    String name,
    BreakerState state,
    int failureCount,
    Long openedAtMs,
    int halfOpenAttempts,
    long version,
    long updatedAtMs,
    Long openTimeoutMs,
    Long forcedUntilMs,
    int halfOpenSuccesses,
    WindowState window,
    String instance) {

  public Snapshot {
    if (name == null || state == null) {
      throw new IllegalArgumentException("a snapshot needs a name and a state");
    }
    if (state == BreakerState.OPEN && openedAtMs == null) {
      throw new IllegalArgumentException("an open snapshot needs opened_at");
    }
  }

  /** A snapshot with no known instance. */
  public Snapshot(String name, BreakerState state, int failureCount, Long openedAtMs, int halfOpenAttempts,
      long version, long updatedAtMs, Long openTimeoutMs, Long forcedUntilMs, int halfOpenSuccesses,
      WindowState window) {
    this(name, state, failureCount, openedAtMs, halfOpenAttempts, version, updatedAtMs, openTimeoutMs, forcedUntilMs,
        halfOpenSuccesses, window, null);
  }

  /** The same snapshot at another version (the store sets the version of what it writes). */
  public Snapshot withVersion(long newVersion) {
    return newVersion == version ? this : new Snapshot(name, state, failureCount, openedAtMs, halfOpenAttempts,
        newVersion, updatedAtMs, openTimeoutMs, forcedUntilMs, halfOpenSuccesses, window, instance);
  }

  /** The fields of the first version (and of the older Python service). */
  public Snapshot(String name, BreakerState state, int failureCount, Long openedAtMs, int halfOpenAttempts,
      long version, long updatedAtMs) {
    this(name, state, failureCount, openedAtMs, halfOpenAttempts, version, updatedAtMs, null, null, 0, null);
  }
}
