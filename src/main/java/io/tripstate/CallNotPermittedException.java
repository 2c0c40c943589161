package io.tripstate;

/**
 * A call rejected by an open (or saturated half-open) breaker. Expected, so it carries no stack trace, and its
 * message is written only when asked for: a rejection costs next to nothing.
 */
public final class CallNotPermittedException extends RuntimeException {
  private final String breakerName;
  private final String state;
  private final long retryAfterMs;

  public CallNotPermittedException(String breakerName, String state, long retryAfterMs) {
    super(null, null, false, false);
    this.breakerName = breakerName;
    this.state = state;
    this.retryAfterMs = retryAfterMs;
  }

  @Override
  public String getMessage() {
    return "CircuitBreaker '" + breakerName + "' is " + state + " and does not permit further calls; retry after "
        + retryAfterMs + " ms";
  }

  public String breakerName() {
    return breakerName;
  }

  public String state() {
    return state;
  }

  public long retryAfterMs() {
    return retryAfterMs;
  }
}
