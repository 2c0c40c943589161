package io.tripstate;

/**
 * A call rejected by an open (or saturated half-open) breaker. Expected, so it carries no stack trace.
 */
public final class CallNotPermittedException extends RuntimeException {
  private final String breakerName;
  private final String state;
  private final long retryAfterMs;

  public CallNotPermittedException(String breakerName, String state, long retryAfterMs) {
    super("CircuitBreaker '" + breakerName + "' is " + state + " and does not permit further calls; retry after "
        + retryAfterMs + " ms", null, false, false);
    this.breakerName = breakerName;
    this.state = state;
    this.retryAfterMs = retryAfterMs;
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
