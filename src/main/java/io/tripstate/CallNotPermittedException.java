package io.tripstate;

/**
 * A call rejected by an open (or saturated half-open, or forced open) breaker. Expected, so it carries no stack
 * trace, and its message is written only when asked for: a rejection costs next to nothing.
 */
public final class CallNotPermittedException extends RuntimeException {
  /** {@link #retryAfterMs} of a breaker forced open until reset: no time is known. */
  private static final long UNTIL_RESET = -1;

  private final String breakerName;
  private final String state;
  private final long retryAfterMs;

  /** @param retryAfterMs milliseconds until a call may be permitted again; 0 = the next call may be a trial */
  public CallNotPermittedException(String breakerName, String state, long retryAfterMs) {
    super(null, null, false, false);
    this.breakerName = breakerName;
    this.state = state;
    this.retryAfterMs = Math.max(0, retryAfterMs);
  }

  private CallNotPermittedException(String breakerName, String state) {
    super(null, null, false, false);
    this.breakerName = breakerName;
    this.state = state;
    this.retryAfterMs = UNTIL_RESET;
  }

  /** A rejection by a breaker forced open without an end: it permits nothing until it is reset. */
  public static CallNotPermittedException untilReset(String breakerName, String state) {
    return new CallNotPermittedException(breakerName, state);
  }

  @Override
  public String getMessage() {
    String rejected = "CircuitBreaker '" + breakerName + "' is " + state + " and does not permit further calls";
    return retryAfterMs == UNTIL_RESET ? rejected + " until it is reset"
        : rejected + "; retry after " + retryAfterMs + " ms";
  }

  public String breakerName() {
    return breakerName;
  }

  public String state() {
    return state;
  }

  /**
   * Milliseconds until a call may be permitted again (0: the next call may be a trial), or {@code null} when the
   * breaker was forced open without an end and waits for a reset.
   */
  public Long retryAfterMs() {
    return retryAfterMs == UNTIL_RESET ? null : retryAfterMs;
  }
}
