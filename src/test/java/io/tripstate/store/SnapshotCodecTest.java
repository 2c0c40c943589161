package io.tripstate.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Snapshot;
import io.tripstate.breaker.WindowState;
import io.tripstate.breaker.WindowType;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The stored snapshot JSON (issue 2, sections 3 and 4), including the older Python service's form. */
class SnapshotCodecTest {
  private static final long OPENED_MS = 1_698_765_432_123L;
  private static final long UPDATED_MS = 1_698_765_440_007L;

  static Stream<Snapshot> everyState() {
    return Stream.of(
        new Snapshot("payments", BreakerState.CLOSED, 2, null, 0, 3, UPDATED_MS),
        new Snapshot("payments", BreakerState.OPEN, 5, OPENED_MS, 0, 4, OPENED_MS),
        new Snapshot("payments", BreakerState.HALF_OPEN, 5, OPENED_MS, 1, 5, UPDATED_MS));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("everyState")
  void roundTripsEveryState(Snapshot snapshot) throws Exception {
    // Given a snapshot in any state
    // When encoded and decoded
    Snapshot decoded = SnapshotCodec.decode(snapshot.name(), SnapshotCodec.encode(snapshot));

    // Then it is the same snapshot, to the millisecond
    assertThat(decoded).isEqualTo(snapshot);
  }

  @Test
  void writesTimesAsPlainEpochSecondsWithAFraction() {
    // Given an open snapshot with millisecond times
    Snapshot snapshot = new Snapshot("payments", BreakerState.OPEN, 5, OPENED_MS, 0, 4, UPDATED_MS);

    // When encoded
    String json = SnapshotCodec.encode(snapshot);

    // Then both times are plain decimal seconds, never in exponent form
    assertThat(json).contains("\"opened_at\":1698765432.123").contains("\"updated_at\":1698765440.007");
    assertThat(json).doesNotContainPattern("[0-9][eE][+-]?[0-9]");
  }

  @ParameterizedTest(name = "{0} ms -> {1}")
  @CsvSource({"1698765432000, 1698765432", "1698765432100, 1698765432.1", "1000, 1", "5, 0.005"})
  void writesTheSameNumberOfSecondsAsThePythonServiceWouldWithoutExponent(long epochMs, String seconds) {
    // Given a snapshot opened at a given millisecond
    Snapshot snapshot = new Snapshot("x", BreakerState.OPEN, 5, epochMs, 0, 1, epochMs);

    // When encoded
    JsonObject json = new JsonObject(SnapshotCodec.encode(snapshot));
    String text = SnapshotCodec.encode(snapshot);

    // Then the number means the same seconds, and is written without an exponent
    assertThat(new BigDecimal(json.getValue("opened_at").toString()))
        .isEqualByComparingTo(new BigDecimal(seconds));
    assertThat(text).doesNotContainPattern("[0-9][eE][+-]?[0-9]");
  }

  @Test
  void encodedFormIsASupersetOfThePythonFourFieldForm() {
    // Given an open snapshot
    Snapshot snapshot = new Snapshot("payments", BreakerState.OPEN, 5, OPENED_MS, 0, 9, UPDATED_MS);

    // When encoded
    JsonObject json = new JsonObject(SnapshotCodec.encode(snapshot));

    // Then the Python fields are there with their meanings: lower-case state, count, epoch seconds, attempts
    assertThat(json.getValue("state")).isEqualTo("open");
    assertThat(json.getValue("failure_count")).isEqualTo(5);
    assertThat(json.getDouble("opened_at")).isEqualTo(1_698_765_432.123);
    assertThat(json.getValue("half_open_attempts")).isEqualTo(0);
    // and the new fields too
    assertThat(json.getString("name")).isEqualTo("payments");
    assertThat(json.getLong("version")).isEqualTo(9L);
    assertThat(json.getDouble("updated_at")).isEqualTo(1_698_765_440.007);
    assertThat(json.fieldNames()).containsExactlyInAnyOrder("name", "state", "failure_count", "opened_at",
        "half_open_attempts", "version", "updated_at", "open_timeout_ms", "forced_until", "half_open_successes",
        "window");
  }

  @Test
  void roundTripsThePolicyFieldsAndBothKindsOfWindow() {
    // Given snapshots with an open time, a forced-open end and count and time windows
    WindowState count = new WindowState(WindowType.COUNT, 5, "sfSF", List.of());
    WindowState time = new WindowState(WindowType.TIME, 60, "", List.of(new long[] {1_698_765_400L, 3, 1, 0},
        new long[] {1_698_765_430L, 2, 2, 1}));
    Snapshot withCount = new Snapshot("a", BreakerState.FORCED_OPEN, 2, null, 0, 4, UPDATED_MS, 4_000L,
        UPDATED_MS + 30_000, 1, count);
    Snapshot withTime = new Snapshot("b", BreakerState.CLOSED, 3, null, 0, 5, UPDATED_MS, null, null, 0, time);

    // When encoded and decoded
    Snapshot countBack = decode("a", SnapshotCodec.encode(withCount));
    Snapshot timeBack = decode("b", SnapshotCodec.encode(withTime));

    // Then every field comes back
    assertThat(countBack.openTimeoutMs()).isEqualTo(4_000L);
    assertThat(countBack.forcedUntilMs()).isEqualTo(UPDATED_MS + 30_000);
    assertThat(countBack.halfOpenSuccesses()).isEqualTo(1);
    assertThat(countBack.window().outcomes()).isEqualTo("sfSF");
    assertThat(timeBack.window().type()).isEqualTo(WindowType.TIME);
    assertThat(timeBack.window().buckets()).hasSize(2);
    assertThat(timeBack.window().buckets().get(1)).containsExactly(1_698_765_430L, 2, 2, 1);
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"{\"type\": \"count\", \"size\": 2, \"outcomes\": \"sfs\"}",
      "{\"type\": \"count\", \"size\": 5, \"outcomes\": \"xyz\"}",
      "{\"type\": \"time\", \"size\": 5, \"buckets\": [[1, 1, 2, 0]]}",
      "{\"type\": \"sliding\", \"size\": 5}", "[1, 2]", "\"count\""})
  void dropsAnUnreadableWindowButKeepsTheRestOfTheSnapshot(String window) {
    // Given an open snapshot whose window is corrupt
    String json = "{\"state\": \"open\", \"failure_count\": 4, \"opened_at\": 1698765432.0, \"window\": "
        + window + "}";

    // When decoded
    Snapshot snapshot = decode("x", json);

    // Then the state survives and the window starts empty
    assertThat(snapshot.state()).isEqualTo(BreakerState.OPEN);
    assertThat(snapshot.failureCount()).isEqualTo(4);
    assertThat(snapshot.window()).isNull();
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource({"CLOSED, closed", "OPEN, open", "HALF_OPEN, half_open", "FORCED_OPEN, forced_open",
      "DISABLED, disabled"})
  void writesStatesByTheirSnakeCaseName(BreakerState state, String wireName) {
    // Given a snapshot in a state
    Long openedAt = state == BreakerState.CLOSED ? null : OPENED_MS;
    Snapshot snapshot = new Snapshot("x", state, 0, openedAt, 0, 1, UPDATED_MS);

    // When encoded, Then the state is its snake_case name
    assertThat(new JsonObject(SnapshotCodec.encode(snapshot)).getString("state")).isEqualTo(wireName);
  }

  @Test
  void closedWritesOpenedAtAsNull() {
    // Given a closed snapshot
    Snapshot snapshot = new Snapshot("x", BreakerState.CLOSED, 1, null, 0, 2, UPDATED_MS);

    // When encoded
    JsonObject json = new JsonObject(SnapshotCodec.encode(snapshot));

    // Then opened_at is present and null, as the Python service wrote it
    assertThat(json.containsKey("opened_at")).isTrue();
    assertThat(json.getValue("opened_at")).isNull();
  }

  @Test
  void readsTheOlderPythonFourFieldForm() throws Exception {
    // Given the value the older Python service wrote for an open breaker
    String python = """
        {"state": "open", "failure_count": 5, "opened_at": 1698765432.0, "half_open_attempts": 0}""";

    // When read under the name taken from its key
    Snapshot snapshot = SnapshotCodec.decode("payments", python);

    // Then it is that open breaker, at version 0, last updated when it opened
    assertThat(snapshot).isEqualTo(new Snapshot("payments", BreakerState.OPEN, 5, 1_698_765_432_000L, 0, 0,
        1_698_765_432_000L));
  }

  @Test
  void readsThePythonFormOfAClosedBreaker() throws Exception {
    // Given a closed breaker as the Python service wrote it
    String python = """
        {"state": "closed", "failure_count": 2, "opened_at": null, "half_open_attempts": 0}""";

    // When read
    Snapshot snapshot = SnapshotCodec.decode("search", python);

    // Then it is closed with its failure count, never opened, at version 0
    assertThat(snapshot.name()).isEqualTo("search");
    assertThat(snapshot.state()).isEqualTo(BreakerState.CLOSED);
    assertThat(snapshot.failureCount()).isEqualTo(2);
    assertThat(snapshot.openedAtMs()).isNull();
    assertThat(snapshot.version()).isZero();
  }

  @Test
  void readsThePythonFormWithMicrosecondsRoundedToTheMillisecond() throws Exception {
    // Given a Python time.time() with microseconds
    String python = """
        {"state": "half_open", "failure_count": 5, "opened_at": 1698765432.123456, "half_open_attempts": 1}""";

    // When read
    Snapshot snapshot = SnapshotCodec.decode("payments", python);

    // Then the time is kept to the millisecond
    assertThat(snapshot.state()).isEqualTo(BreakerState.HALF_OPEN);
    assertThat(snapshot.openedAtMs()).isEqualTo(1_698_765_432_123L);
    assertThat(snapshot.halfOpenAttempts()).isEqualTo(1);
  }

  static Stream<Arguments> unreadableValues() {
    return Stream.of(
        Arguments.of("bad JSON", "{\"state\": \"open\",", "JSON"),
        Arguments.of("a JSON array", "[{\"state\": \"open\"}]", "object"),
        Arguments.of("a JSON string", "\"open\"", "object"),
        Arguments.of("an empty value", "", "JSON"),
        Arguments.of("state missing", "{\"failure_count\": 0}", "state"),
        Arguments.of("state not a string", "{\"state\": 1}", "state"),
        Arguments.of("state null", "{\"state\": null}", "state"),
        Arguments.of("unknown state", "{\"state\": \"ajar\"}", "ajar"),
        Arguments.of("failure_count as string", "{\"state\": \"closed\", \"failure_count\": \"5\"}", "failure_count"),
        Arguments.of("failure_count negative", "{\"state\": \"closed\", \"failure_count\": -1}", "failure_count"),
        Arguments.of("failure_count a fraction", "{\"state\": \"closed\", \"failure_count\": 1.5}", "failure_count"),
        Arguments.of("failure_count huge", "{\"state\": \"closed\", \"failure_count\": 1e30}", "failure_count"),
        Arguments.of("failure_count beyond int", "{\"state\": \"closed\", \"failure_count\": 3000000000}",
            "failure_count"),
        Arguments.of("half_open_attempts negative", "{\"state\": \"half_open\", \"opened_at\": 1698765432.0, "
            + "\"half_open_attempts\": -2}", "half_open_attempts"),
        Arguments.of("version huge", "{\"state\": \"closed\", \"version\": 123456789012345678901234567890}",
            "version"),
        Arguments.of("version as string", "{\"state\": \"closed\", \"version\": \"7\"}", "version"),
        Arguments.of("opened_at as string", "{\"state\": \"open\", \"failure_count\": 5, "
            + "\"opened_at\": \"1698765432.0\"}", "opened_at"),
        Arguments.of("opened_at huge", "{\"state\": \"open\", \"opened_at\": 1e300}", "opened_at"),
        Arguments.of("opened_at beyond double", "{\"state\": \"open\", \"opened_at\": 1e400}", "opened_at"),
        Arguments.of("opened_at negative", "{\"state\": \"open\", \"opened_at\": -1}", "opened_at"),
        Arguments.of("updated_at as boolean", "{\"state\": \"closed\", \"updated_at\": true}", "updated_at"),
        Arguments.of("open without opened_at", "{\"state\": \"open\", \"failure_count\": 5}", "opened_at"),
        Arguments.of("open with null opened_at", "{\"state\": \"open\", \"failure_count\": 5, \"opened_at\": null}",
            "opened_at"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("unreadableValues")
  void rejectsAnUnreadableValueWithAMessageNamingWhatIsWrong(String what, String value, String named) {
    // Given a stored value that is not a valid snapshot
    // When it is read
    SnapshotFormatException error = catchThrowableOfType(SnapshotFormatException.class,
        () -> SnapshotCodec.decode("payments", value));

    // Then it fails with a SnapshotFormatException (nothing else escapes) whose message names the problem
    assertThat(error).as("%s must be rejected", what).isNotNull();
    assertThat(error.getMessage()).contains(named);
  }

  private static Snapshot decode(String name, String json) {
    try {
      return SnapshotCodec.decode(name, json);
    } catch (SnapshotFormatException e) {
      throw new AssertionError("expected a readable snapshot: " + e.getMessage(), e);
    }
  }
}
