package io.tripstate.breaker;

/**
 * One change of state, as published and logged.
 *
 * @param name the breaker
 * @param from the state before
 * @param to the state after (equal to {@code from} for a {@code reset} of a closed breaker, and for a
 *     {@code force_open} or {@code disable} of a breaker already in that state)
 * @param atMs when, epoch milliseconds
 * @param reason why: {@code failure_threshold}, {@code failure_rate}, {@code slow_call_rate},
 *     {@code reset_timeout_elapsed}, {@code trial_succeeded}, {@code trial_failed}, {@code trial_expired},
 *     {@code forced_open}, {@code forced_open_elapsed}, {@code disabled} or {@code reset}
 * @param version the breaker's version after the change
 */
public record Transition(String name, BreakerState from, BreakerState to, long atMs, String reason, long version) {}
