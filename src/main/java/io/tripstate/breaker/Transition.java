package io.tripstate.breaker;

/**
 * One change of state, as published and logged.
 *
 * @param name the breaker
 * @param from the state before
 * @param to the state after (equal to {@code from} only for a {@code reset} of a closed breaker)
 * @param atMs when, epoch milliseconds
 * @param reason why: {@code failure_threshold}, {@code reset_timeout_elapsed}, {@code trial_succeeded},
 *     {@code trial_failed} or {@code reset}
 * @param version the breaker's version after the change
 */
public record Transition(String name, BreakerState from, BreakerState to, long atMs, String reason, long version) {}
