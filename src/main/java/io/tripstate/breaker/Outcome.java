package io.tripstate.breaker;

/** The outcome of a call protected by a breaker, as reported by {@code record}. */
public enum Outcome {
  SUCCESS("success"),
  FAILURE("failure"),
  /** Counted nowhere (e.g. a call the client cancelled); a trial permit is released. */
  IGNORED("ignored");

  private final String wireName;

  Outcome(String wireName) {
    this.wireName = wireName;
  }

  /** The name used on the event bus: {@code success}, {@code failure} or {@code ignored}. */
  public String wireName() {
    return wireName;
  }

  /** Parses a wire name exactly; returns {@code null} when it is not one, so that callers word the error. */
  public static Outcome fromWire(String value) {
    for (Outcome outcome : values()) {
      if (outcome.wireName.equals(value)) {
        return outcome;
      }
    }
    return null;
  }
}
