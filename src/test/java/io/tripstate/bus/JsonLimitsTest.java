package io.tripstate.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The size and depth limits of request bodies, estimated without encoding. */
class JsonLimitsTest {
  private static final long LIMIT = 65_536;

  @Test
  void passesSmallBodies() {
    assertThat(JsonLimits.check(new JsonObject(), LIMIT)).isNull();
    assertThat(JsonLimits.check(new JsonObject().put("name", "payments").put("outcome", "failure")
        .put("permit", "1790912345678901").put("duration_ms", 12.5), LIMIT)).isNull();
  }

  @Test
  void passesABodyOfExactlyTheLimitAndRefusesOneByteMore() {
    // {"s":"..."} is the string plus 8 bytes.
    JsonObject atLimit = new JsonObject().put("s", "x".repeat((int) LIMIT - 8));
    JsonObject overLimit = new JsonObject().put("s", "x".repeat((int) LIMIT - 7));

    assertThat(atLimit.encode()).hasSize((int) LIMIT);
    assertThat(JsonLimits.check(atLimit, LIMIT)).isNull();
    assertThat(JsonLimits.check(overLimit, LIMIT))
        .isEqualTo("larger than maxRequestBytes (65536 bytes, estimated as JSON)");
  }

  @Test
  void refusesManySmallValuesOverTheLimit() {
    JsonArray values = new JsonArray();
    for (int i = 0; i < 20_000; i++) {
      values.add(i);
    }

    assertThat(JsonLimits.check(new JsonObject().put("values", values), LIMIT)).contains("maxRequestBytes");
    assertThat(JsonLimits.check(new JsonObject().put("values", values), 1_000_000)).isNull();
  }

  @Test
  void refusesATenMegabyteStringWithoutReadingIt() {
    String huge = "é".repeat(10_000_000);
    JsonObject body = new JsonObject().put("name", "x").put("body", huge);
    JsonObject hugeKey = new JsonObject().put(huge, 1);

    long started = System.nanoTime();
    for (int i = 0; i < 1_000; i++) {
      assertThat(JsonLimits.check(body, LIMIT)).contains("maxRequestBytes");
      assertThat(JsonLimits.check(hugeKey, LIMIT)).contains("maxRequestBytes");
    }

    // A full encode of 10 MB takes milliseconds; 2,000 of them would take far longer than this.
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
  }

  @Test
  void refusesAThousandLevelsOfNestingWithoutAnException() {
    JsonObject body = new JsonObject().put("name", "x");
    JsonObject inner = body;
    for (int i = 0; i < 1_000; i++) {
      JsonObject next = new JsonObject();
      inner.put("n", new JsonArray().add(next));
      inner = next;
    }

    assertThat(JsonLimits.check(body, LIMIT)).isEqualTo("nested deeper than 64 levels");
  }

  @Test
  void acceptsSixtyFourLevelsAndRefusesSixtyFive() {
    assertThat(JsonLimits.check(nested(64), LIMIT)).isNull();
    assertThat(JsonLimits.check(nested(65), LIMIT)).isEqualTo("nested deeper than 64 levels");
  }

  @Test
  void countsMapsListsAndBinaryOfTheLocalBusToo() {
    Map<String, Object> map = new HashMap<>();
    map.put("bytes", new byte[30_000]);
    List<Object> list = new ArrayList<>(List.of(Buffer.buffer(new byte[30_000]), Instant.EPOCH));
    JsonObject body = new JsonObject().put("map", map).put("list", list);

    // Base64 makes 40,000 characters of each 30,000 bytes.
    assertThat(JsonLimits.check(body, LIMIT)).contains("maxRequestBytes");
    assertThat(JsonLimits.check(body, 100_000)).isNull();
  }

  @Test
  void stopsAtTheDepthLimitOnACycle() {
    Map<String, Object> cycle = new HashMap<>();
    cycle.put("self", cycle);

    assertThat(JsonLimits.check(new JsonObject().put("cycle", cycle), LIMIT))
        .isEqualTo("nested deeper than 64 levels");
  }

  static Stream<JsonObject> typicalBodies() {
    return Stream.of(
        new JsonObject().put("name", "payments"),
        new JsonObject().put("name", "payments/eu-west").put("outcome", "success").put("permit", "1790912345678901")
            .put("duration_ms", 12.5),
        new JsonObject().put("name", "inventory").put("address", "inventory.lookup").put("timeout_ms", 2_000)
            .put("body", new JsonObject().put("sku", "A-1").put("qty", 3).put("tags", new JsonArray().add("a")
                .add(true).addNull().add(-42L).add(3.14159))),
        new JsonObject().put("text", "naïve café ünïcödé 日本語 🙂 \"quoted\" \\ \n\t"),
        new JsonObject().put("rows", rows()));
  }

  @ParameterizedTest
  @MethodSource("typicalBodies")
  void estimatesTypicalBodiesWithinASmallFactorOfTheirEncoding(JsonObject body) {
    int encoded = body.encode().length();

    // The estimate is the smallest limit the body passes.
    long estimate = smallestPassingLimit(body);

    // Exact for ASCII; above it for other text, which takes more UTF-8 bytes than characters.
    assertThat(estimate).isBetween((long) encoded, encoded * 2L);
  }

  @Test
  void refusesASmallFlatBodyOverASmallLimit() {
    // {"name":"payments"} is 19 bytes: the shortcut for small flat bodies must not pass it under 19.
    JsonObject body = new JsonObject().put("name", "payments");

    assertThat(JsonLimits.check(body, 18)).isEqualTo("larger than maxRequestBytes (18 bytes, estimated as JSON)");
    assertThat(JsonLimits.check(body, 19)).isNull();
  }

  @Test
  void passesAFlatBodyOfEscapedCharactersAtTheLimitAndRefusesOneMore() {
    // Every control character is escaped as six bytes, the most the shortcut assumes: {"s":"..."} is 8 more.
    JsonObject atLimit = new JsonObject().put("s", "\u0001".repeat(10_000));
    JsonObject overLimit = new JsonObject().put("s", "\u0001".repeat(10_000)).put("t", true);

    assertThat(atLimit.encode()).hasSize(60_008);
    assertThat(JsonLimits.check(atLimit, 60_008)).isNull();
    assertThat(JsonLimits.check(atLimit, 60_007)).contains("maxRequestBytes");
    assertThat(JsonLimits.check(overLimit, 60_008)).contains("maxRequestBytes");
  }

  @Property(tries = 500)
  void decidesFlatBodiesExactlyAsTheFullWalk(@ForAll("flatBodies") JsonObject body) {
    long estimate = smallestPassingLimit(body);

    for (long limit = estimate - 2; limit <= estimate + 2; limit++) {
      assertThat(JsonLimits.check(body, limit)).as("limit %d", limit).isEqualTo(JsonLimits.walk(body, limit));
    }
    assertThat(JsonLimits.check(body, estimate - 1)).as("one byte under the estimate").isNotNull();
    assertThat(JsonLimits.check(body, 10L * estimate + 100)).as("far above it").isNull();
  }

  @Provide
  Arbitrary<JsonObject> flatBodies() {
    Arbitrary<Object> values = Arbitraries.oneOf(
        Arbitraries.strings().all().ofMaxLength(40).map(Object.class::cast),
        Arbitraries.strings().withChars("\"\\\u0000\u001f\u00e9\u65e5").ofMaxLength(10).map(Object.class::cast),
        Arbitraries.longs().map(Object.class::cast),
        Arbitraries.integers().map(Object.class::cast),
        Arbitraries.doubles().map(Object.class::cast),
        Arbitraries.of(true, false).map(Object.class::cast),
        Arbitraries.just(null));
    return Arbitraries.maps(Arbitraries.strings().all().ofMaxLength(12), values).ofMaxSize(6)
        .map(map -> new JsonObject(new LinkedHashMap<>(map)));
  }

  @Test
  void requestsRefuseABodyOverTheLimitWith400NamingIt() {
    JsonObject body = new JsonObject().put("name", "x").put("s", "x".repeat(2_000));

    assertThatThrownBy(() -> Requests.body(body, 1_024))
        .isInstanceOf(ApiException.class)
        .hasMessage("the body is larger than maxRequestBytes (1024 bytes, estimated as JSON)")
        .satisfies(e -> assertThat(((ApiException) e).error()).isEqualTo(ApiError.BAD_REQUEST));
    assertThat(Requests.body(body, 4_096)).isSameAs(body);
    assertThat(Requests.body(body)).as("without a limit").isSameAs(body);
  }

  private static JsonArray rows() {
    JsonArray rows = new JsonArray();
    for (int i = 0; i < 200; i++) {
      rows.add(new JsonObject().put("id", i).put("name", "row-" + i).put("score", i * 1.5).put("ok", i % 2 == 0));
    }
    return rows;
  }

  private static JsonObject nested(int levels) {
    JsonObject body = new JsonObject();
    JsonObject inner = body;
    for (int level = 2; level <= levels; level++) {
      JsonObject next = new JsonObject();
      inner.put("n", next);
      inner = next;
    }
    return body;
  }

  private static long smallestPassingLimit(JsonObject body) {
    long low = 0;
    long high = 10_000_000;
    while (low < high) {
      long mid = (low + high) / 2;
      if (JsonLimits.check(body, mid) == null) {
        high = mid;
      } else {
        low = mid + 1;
      }
    }
    return low;
  }
}
