package io.tripstate.store;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Snapshot;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * The snapshot's JSON form, in Redis and on the wire: snake_case fields, times in epoch seconds with a
 * fraction. It is a superset of the older Python service's four fields ({@code state},
 * {@code failure_count}, {@code opened_at}, {@code half_open_attempts}), and reads that form too.
 */
public final class SnapshotCodec {
  public static final String NAME = "name";
  public static final String STATE = "state";
  public static final String FAILURE_COUNT = "failure_count";
  public static final String OPENED_AT = "opened_at";
  public static final String HALF_OPEN_ATTEMPTS = "half_open_attempts";
  public static final String VERSION = "version";
  public static final String UPDATED_AT = "updated_at";
  public static final String OPEN_TIMEOUT_MS = "open_timeout_ms";
  public static final String FORCED_UNTIL = "forced_until";
  public static final String HALF_OPEN_SUCCESSES = "half_open_successes";
  public static final String WINDOW = "window";
  /** Who made the last transition; written only when known. */
  public static final String INSTANCE = "instance";
  private static final int MAX_INSTANCE_LENGTH = 256;

  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** Year 5138: a larger time is corrupt, not a date. */
  private static final double MAX_EPOCH_SECONDS = 1e11;

  private SnapshotCodec() {}

  /** The snapshot as a JSON object (what {@code status} replies and what Redis stores). */
  public static JsonObject toJson(Snapshot snapshot) {
    JsonObject json = new JsonObject()
        .put(NAME, snapshot.name())
        .put(STATE, snapshot.state().wireName())
        .put(FAILURE_COUNT, snapshot.failureCount())
        .put(OPENED_AT, snapshot.openedAtMs() == null ? null : seconds(snapshot.openedAtMs()))
        .put(HALF_OPEN_ATTEMPTS, snapshot.halfOpenAttempts())
        .put(VERSION, snapshot.version())
        .put(UPDATED_AT, seconds(snapshot.updatedAtMs()))
        .put(OPEN_TIMEOUT_MS, snapshot.openTimeoutMs())
        .put(FORCED_UNTIL, snapshot.forcedUntilMs() == null ? null : seconds(snapshot.forcedUntilMs()))
        .put(HALF_OPEN_SUCCESSES, snapshot.halfOpenSuccesses())
        .put(WINDOW, WindowCodec.toJson(snapshot.window()));
    if (snapshot.instance() != null) {
      json.put(INSTANCE, snapshot.instance());
    }
    return json;
  }

  /**
   * Loads and exercises the JSON machinery once, so that the first transition after a deploy does not pay
   * for class loading on the event loop (hundreds of milliseconds on a cold 2-core JVM).
   */
  public static void warmUp() {
    try {
      decode("warm-up", encode(new Snapshot("warm-up", BreakerState.OPEN, 1, 0L, 0, 1, 0)));
    } catch (SnapshotFormatException e) {
      throw new IllegalStateException("the codec cannot read its own output", e);
    }
  }

  public static String encode(Snapshot snapshot) {
    return toJson(snapshot).encode();
  }

  /** Epoch milliseconds as epoch seconds with a plain fraction ({@code 1698765432.123}, never {@code 1.69E9}). */
  public static BigDecimal seconds(long epochMs) {
    return BigDecimal.valueOf(epochMs, 3);
  }

  /**
   * Reads a stored value.
   *
   * @param name the breaker's name, taken from the key (the older form has no {@code name} field)
   * @throws SnapshotFormatException saying which field is wrong
   */
  public static Snapshot decode(String name, String json) throws SnapshotFormatException {
    JsonNode root;
    try {
      root = MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new SnapshotFormatException("not JSON: " + e.getOriginalMessage());
    }
    if (root == null || !root.isObject()) {
      throw new SnapshotFormatException("not a JSON object");
    }
    JsonNode stateNode = root.get(STATE);
    if (stateNode == null || !stateNode.isTextual()) {
      throw new SnapshotFormatException("'state' must be a string");
    }
    BreakerState state;
    try {
      state = BreakerState.fromWire(stateNode.asText());
    } catch (IllegalArgumentException e) {
      throw new SnapshotFormatException(e.getMessage());
    }
    int failureCount = (int) whole(root, FAILURE_COUNT, 0, Integer.MAX_VALUE);
    int attempts = (int) whole(root, HALF_OPEN_ATTEMPTS, 0, Integer.MAX_VALUE);
    long version = whole(root, VERSION, 0, Long.MAX_VALUE);
    Long openedAt = millis(root, OPENED_AT);
    Long updatedAt = millis(root, UPDATED_AT);
    if (state == BreakerState.OPEN && openedAt == null) {
      throw new SnapshotFormatException("an open snapshot needs a number in 'opened_at'");
    }
    long updated = updatedAt != null ? updatedAt : openedAt != null ? openedAt : 0L;
    JsonNode openTimeout = root.get(OPEN_TIMEOUT_MS);
    Long openTimeoutMs = openTimeout == null || openTimeout.isNull() ? null : whole(root, OPEN_TIMEOUT_MS, 1,
        Long.MAX_VALUE);
    Long forcedUntil = millis(root, FORCED_UNTIL);
    int successes = (int) whole(root, HALF_OPEN_SUCCESSES, 0, Integer.MAX_VALUE);
    return new Snapshot(name, state, failureCount, openedAt, attempts, version, updated, openTimeoutMs,
        forcedUntil, successes, WindowCodec.fromJson(name, root.get(WINDOW)), instance(root));
  }

  private static String instance(JsonNode root) throws SnapshotFormatException {
    JsonNode node = root.get(INSTANCE);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isTextual() || node.asText().length() > MAX_INSTANCE_LENGTH) {
      throw new SnapshotFormatException("'" + INSTANCE + "' must be a string of at most " + MAX_INSTANCE_LENGTH
          + " characters");
    }
    return node.asText();
  }

  private static long whole(JsonNode root, String field, long min, long max) throws SnapshotFormatException {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return 0;
    }
    if (!node.isNumber() || !node.canConvertToLong() || node.asDouble() != Math.rint(node.asDouble())) {
      throw new SnapshotFormatException("'" + field + "' must be a whole number, was " + node);
    }
    long value = node.asLong();
    if (value < min || value > max) {
      throw new SnapshotFormatException("'" + field + "' out of range: " + node);
    }
    return value;
  }

  private static Long millis(JsonNode root, String field) throws SnapshotFormatException {
    JsonNode node = root.get(field);
    if (node == null || node.isNull()) {
      return null;
    }
    if (!node.isNumber() || !(node.asDouble() >= 0 && node.asDouble() < MAX_EPOCH_SECONDS)) {
      throw new SnapshotFormatException("'" + field + "' must be epoch seconds, was " + node);
    }
    return node.decimalValue().movePointRight(3).setScale(0, RoundingMode.HALF_UP).longValueExact();
  }
}
