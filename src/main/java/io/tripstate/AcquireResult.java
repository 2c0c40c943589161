package io.tripstate;

import io.vertx.core.json.JsonObject;

/**
 * The answer to {@code acquire}.
 *
 * @param name the breaker
 * @param permitted whether the call may go ahead
 * @param state the breaker's state: {@code closed}, {@code open}, {@code half_open}, {@code forced_open} or
 *     {@code disabled}
 * @param permit the permit to pass to {@code record} when permitted, else {@code null}
 * @param retryAfterMs when rejected, milliseconds until a call may be permitted (0: the next call may be a trial);
 *     {@code null} when permitted, and when the breaker was forced open without an end (it waits for a reset)
 */
public record AcquireResult(String name, boolean permitted, String state, String permit, Long retryAfterMs) {

  static AcquireResult fromJson(JsonObject json) {
    return new AcquireResult(json.getString("name"), json.getBoolean("permitted", false), json.getString("state"),
        json.getString("permit"), json.getLong("retry_after_ms"));
  }

  /** The failure that {@code execute} reports for this rejection. */
  CallNotPermittedException rejection() {
    return retryAfterMs == null ? CallNotPermittedException.untilReset(name, state)
        : new CallNotPermittedException(name, state, retryAfterMs);
  }
}
