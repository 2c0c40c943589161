package io.tripstate.breaker;

import java.util.Locale;

/** How a closed breaker judges its recent calls. */
public enum WindowType {
  /** {@code failureThreshold} consecutive failures open it (slow calls are not counted). */
  CONSECUTIVE,
  /** The last {@code size} calls; failure and slow-call rates. */
  COUNT,
  /** The calls of the last {@code size} seconds; failure and slow-call rates. */
  TIME;

  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses {@code consecutive}, {@code count} or {@code time}; {@code null} when it is none of them. */
  public static WindowType fromWire(String value) {
    for (WindowType type : values()) {
      if (type.wireName().equals(value)) {
        return type;
      }
    }
    return null;
  }
}
