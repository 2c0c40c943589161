package io.tripstate.breaker;

import java.util.Locale;

/**
 * The states of a circuit breaker. Stored and sent by {@link #wireName()}, never by ordinal, so that
 * states can be added later without breaking snapshots already in Redis.
 */
public enum BreakerState {
  /** Calls are permitted; consecutive failures are counted. */
  CLOSED("closed"),
  /** Calls are rejected until the reset timeout has elapsed. */
  OPEN("open"),
  /** A limited number of trial calls decide whether to close or reopen. */
  HALF_OPEN("half_open"),
  /** Forced open by an operator: rejects everything, until {@code reset} or the given duration ends. */
  FORCED_OPEN("forced_open"),
  /** Disabled by an operator: permits everything and counts nothing, until {@code reset}. */
  DISABLED("disabled");

  private final String wireName;

  BreakerState(String wireName) {
    this.wireName = wireName;
  }

  /** The name used on the event bus, over HTTP and in Redis: {@code closed}, {@code open}, {@code half_open}. */
  public String wireName() {
    return wireName;
  }

  /**
   * Parses a wire name, case-insensitively (the older Python service may have written upper case).
   *
   * @throws IllegalArgumentException naming the value when it is not a known state
   */
  public static BreakerState fromWire(String value) {
    if (value != null) {
      String lower = value.toLowerCase(Locale.ROOT);
      for (BreakerState state : values()) {
        if (state.wireName.equals(lower)) {
          return state;
        }
      }
    }
    throw new IllegalArgumentException("unknown state '" + value + "' (expected closed, open, half_open, forced_open or disabled)");
  }

  @Override
  public String toString() {
    return wireName;
  }
}
