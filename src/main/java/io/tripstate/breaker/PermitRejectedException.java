package io.tripstate.breaker;

/** A {@code record} whose permit is unknown, already used or expired: nothing was changed. */
public final class PermitRejectedException extends RuntimeException {
  public PermitRejectedException(String breaker, long permit, String why) {
    super("breaker '" + breaker + "': permit " + permit + " " + why + "; the outcome was not counted", null,
        false, false);
  }
}
