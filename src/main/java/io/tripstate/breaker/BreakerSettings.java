package io.tripstate.breaker;

/**
 * The policy of one breaker.
 *
 * @param failureThreshold consecutive failures in {@code closed} that open the breaker; at least 1; default 5
 * @param resetTimeoutMs how long the breaker stays {@code open} before it lets a trial through, in
 *     milliseconds; at least 1; default 30000
 * @param halfOpenMaxCalls trial calls permitted at once in {@code half_open}; at least 1; default 1
 */
public record BreakerSettings(int failureThreshold, long resetTimeoutMs, int halfOpenMaxCalls) {

  /** Default of {@link #failureThreshold()}. */
  public static final int DEFAULT_FAILURE_THRESHOLD = 5;
  /** Default of {@link #resetTimeoutMs()}. */
  public static final long DEFAULT_RESET_TIMEOUT_MS = 30_000;
  /** Default of {@link #halfOpenMaxCalls()}. */
  public static final int DEFAULT_HALF_OPEN_MAX_CALLS = 1;

  /** The settings used when the config names none. */
  public static final BreakerSettings DEFAULTS =
      new BreakerSettings(DEFAULT_FAILURE_THRESHOLD, DEFAULT_RESET_TIMEOUT_MS, DEFAULT_HALF_OPEN_MAX_CALLS);

  public BreakerSettings {
    if (failureThreshold < 1) {
      throw new IllegalArgumentException("failureThreshold must be at least 1, was " + failureThreshold);
    }
    if (resetTimeoutMs < 1) {
      throw new IllegalArgumentException("resetTimeoutMs must be at least 1, was " + resetTimeoutMs);
    }
    if (halfOpenMaxCalls < 1) {
      throw new IllegalArgumentException("halfOpenMaxCalls must be at least 1, was " + halfOpenMaxCalls);
    }
  }
}
