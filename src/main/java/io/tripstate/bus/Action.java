package io.tripstate.bus;

/** The actions of the event-bus API, named in the {@code action} header. */
public enum Action {
  ACQUIRE("acquire"),
  RECORD("record"),
  STATUS("status"),
  RESET("reset"),
  FORCE_OPEN("force_open"),
  DISABLE("disable"),
  CALL("call"),
  /** Fire-and-forget outcomes from the in-process fast path: {@code {"records": [record body, ...]}}. */
  RECORD_BATCH("record_batch"),
  /** A breaker's latest transitions, newest first: {@code {"name", "limit"?}}. */
  HISTORY("history"),
  /** The live app instances on this Redis and key prefix (sharing across instances): {@code {}}. */
  INSTANCES("instances");

  /** The header that names the action (the Vert.x service-proxy convention). */
  public static final String HEADER = "action";
  private static final String LIST = "acquire, record, status, reset, force_open, disable, call, record_batch, history, instances";

  private final String wireName;

  Action(String wireName) {
    this.wireName = wireName;
  }

  public String wireName() {
    return wireName;
  }

  /** Parses the header; fails with a 400 that lists the known actions. */
  static Action parse(String header) {
    if (header == null) {
      throw new ApiException(ApiError.BAD_REQUEST, "missing 'action' header (one of " + LIST + ")");
    }
    for (Action action : values()) {
      if (action.wireName.equals(header)) {
        return action;
      }
    }
    throw new ApiException(ApiError.BAD_REQUEST,
        "unknown action '" + clip(header) + "' (one of " + LIST + ")");
  }

  /** Echoes at most 64 characters of user input into an error message. */
  static String clip(String text) {
    return text.length() <= 64 ? text : text.substring(0, 64) + "...";
  }
}
