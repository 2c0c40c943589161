package io.tripstate;

import io.vertx.core.json.JsonObject;

/**
 * The answer to {@code acquire}.
 *
 * @param name the breaker
 * @param permitted whether the call may go ahead
 * @param state the breaker's state: {@code closed}, {@code open} or {@code half_open}
 * @param permit the permit to pass to {@code record} when permitted, else {@code null}
 * @param retryAfterMs when rejected, milliseconds until a trial may be permitted (0 when due or unknown)
 */
public record AcquireResult(String name, boolean permitted, String state, String permit, long retryAfterMs) {

  static AcquireResult fromJson(JsonObject json) {
    return new AcquireResult(json.getString("name"), json.getBoolean("permitted", false), json.getString("state"),
        json.getString("permit"), json.getLong("retry_after_ms", 0L));
  }
}
