package io.tripstate.breaker;

import java.util.List;

/**
 * The answer to {@code acquire}.
 *
 * @param permitted whether the call may go ahead
 * @param state the breaker's state after the decision
 * @param permit the permit to hand back with {@code record} (meaningful only when permitted)
 * @param retryAfterMs when rejected, how long until a trial may be permitted (0 when unknown or due)
 * @param transitions the transitions this acquire caused, oldest first (an expired deadline applied first,
 *     {@code open} to {@code half_open}); the shared empty list when none, so that a quiet acquire allocates
 *     nothing
 */
public record Decision(boolean permitted, BreakerState state, long permit, long retryAfterMs,
    List<Transition> transitions) {

  /** This decision with the transitions of the whole operation that made it. */
  public Decision withTransitions(List<Transition> all) {
    return new Decision(permitted, state, permit, retryAfterMs, all);
  }
}
