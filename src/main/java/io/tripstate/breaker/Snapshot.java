package io.tripstate.breaker;

/**
 * What is persisted and reported of one breaker. Immutable; {@code version} only grows, so that a store
 * can refuse a write older than what it holds.
 *
 * @param name the breaker's name
 * @param state its state
 * @param failureCount consecutive failures counted in {@code closed}; kept when it opens
 * @param openedAtMs when it last opened, epoch milliseconds, or {@code null} when closed
 * @param halfOpenAttempts trial calls currently out in {@code half_open}; 0 otherwise
 * @param version grows with every persisted change (transition or counter change) and survives restarts
 * @param updatedAtMs when the last persisted change happened, epoch milliseconds
 */
public record Snapshot(
    String name,
    BreakerState state,
    int failureCount,
    Long openedAtMs,
    int halfOpenAttempts,
    long version,
    long updatedAtMs) {

  public Snapshot {
    if (name == null || state == null) {
      throw new IllegalArgumentException("a snapshot needs a name and a state");
    }
    if (state == BreakerState.OPEN && openedAtMs == null) {
      throw new IllegalArgumentException("an open snapshot needs opened_at");
    }
  }

  /** This snapshot under another version, for a store that rebases local changes over what it holds. */
  public Snapshot withVersion(long newVersion) {
    return new Snapshot(name, state, failureCount, openedAtMs, halfOpenAttempts, newVersion, updatedAtMs);
  }
}
