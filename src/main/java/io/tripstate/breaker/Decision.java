package io.tripstate.breaker;

/**
 * The answer to {@code acquire}.
 *
 * @param permitted whether the call may go ahead
 * @param state the breaker's state after the decision
 * @param permit the permit to hand back with {@code record} (meaningful only when permitted)
 * @param retryAfterMs when rejected, how long until a trial may be permitted (0 when unknown or due)
 * @param transition the transition this acquire caused ({@code open} to {@code half_open}), or {@code null}
 */
public record Decision(boolean permitted, BreakerState state, long permit, long retryAfterMs, Transition transition) {}
