package io.tripstate.it;

import static io.tripstate.support.Bus.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tripstate.BreakerClient;
import io.tripstate.CallNotPermittedException;
import io.tripstate.support.Bus;
import io.tripstate.support.MutableClock;
import io.tripstate.support.Scrape;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * {@code GET /metrics} of a verticle against a real Redis, parsed by the Prometheus project's own parser:
 * every Resilience4j series and tripstate's own move as breakers trip, reject and record.
 */
@ExtendWith(VertxExtension.class)
class MetricsIntegrationTest {
  private static final String STATE = "resilience4j_circuitbreaker_state";
  private static final String NOT_PERMITTED = "resilience4j_circuitbreaker_not_permitted_calls_total";
  private static final String FAST_PATH = "tripstate_fast_path_decisions_total";
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final MutableClock clock = MutableClock.startingNow();
  private JsonObject config;
  private Bus bus;
  private int port;

  @BeforeEach
  void deploy(Vertx vertx) {
    config = Deployments.config().put("http", new JsonObject().put("port", 0))
        .put("breakers", new JsonObject()
            .put("rated", new JsonObject().put("slowCallDurationMs", 100).put("failureRateThreshold", 100)
                .put("slowCallRateThreshold", 100)
                .put("window", new JsonObject().put("type", "count").put("size", 10).put("minimumCalls", 4)))
            .put("timed", new JsonObject().put("slowCallDurationMs", 100).put("failureRateThreshold", 100)
                .put("window", new JsonObject().put("type", "time").put("size", 60).put("minimumCalls", 2))));
    port = Deployments.deploy(vertx, config, clock).httpPort();
    bus = Deployments.bus(vertx, config);
  }

  private Scrape scrape() throws Exception {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port
        + "/metrics")).timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("text/plain; version=0.0.4; charset=utf-8");
    return Scrape.parse(response.body());
  }

  private void record(String name, String outcome, long durationMs) {
    bus.send("record", new JsonObject().put("name", name).put("outcome", outcome).put("duration_ms", durationMs));
  }

  /** Labels of tripstate's own meters: the verticle's address, then the given pairs. */
  private String[] own(String... pairs) {
    String[] labels = new String[pairs.length + 2];
    labels[0] = "address";
    labels[1] = config.getString("address");
    System.arraycopy(pairs, 0, labels, 2, pairs.length);
    return labels;
  }

  private static double state(Scrape scrape, String name, String state) {
    return scrape.value(STATE, "name", name, "state", state);
  }

  @Test
  void aNewBreakerShowsEveryFamilyWithResilience4jsNamesTagsAndTypes() throws Exception {
    bus.acquire("payments");

    Scrape scrape = scrape();

    assertThat(state(scrape, "payments", "closed")).isEqualTo(1.0);
    for (String other : new String[] {"open", "half_open", "forced_open", "disabled"}) {
      assertThat(state(scrape, "payments", other)).as(other).isZero();
    }
    assertThat(scrape.typeOf(STATE)).isEqualTo("gauge");
    for (String kind : new String[] {"successful", "failed", "ignored"}) {
      assertThat(scrape.value("resilience4j_circuitbreaker_calls_seconds_count", "kind", kind, "name", "payments"))
          .isZero();
      assertThat(scrape.value("resilience4j_circuitbreaker_calls_seconds_sum", "kind", kind, "name", "payments"))
          .isZero();
    }
    assertThat(scrape.typeOf("resilience4j_circuitbreaker_calls_seconds_count")).isEqualTo("summary");
    assertThat(scrape.value(NOT_PERMITTED, "kind", "not_permitted", "name", "payments")).isZero();
    assertThat(scrape.typeOf(NOT_PERMITTED)).isEqualTo("counter");
    assertThat(scrape.value("resilience4j_circuitbreaker_failure_rate", "name", "payments")).isEqualTo(-1.0);
    assertThat(scrape.value("resilience4j_circuitbreaker_slow_call_rate", "name", "payments")).isEqualTo(-1.0);
    for (String kind : new String[] {"successful", "failed"}) {
      assertThat(scrape.value("resilience4j_circuitbreaker_buffered_calls", "kind", kind, "name", "payments"))
          .isZero();
      assertThat(scrape.value("resilience4j_circuitbreaker_slow_calls", "kind", kind, "name", "payments")).isZero();
    }
    assertThat(scrape.value(FAST_PATH, "kind", "permitted", "name", "payments")).isZero();
    assertThat(scrape.value("tripstate_breakers", own())).isEqualTo(1.0);
  }

  @Test
  void theStateGaugeAndTheTransitionCountersFollowTheBreakerThroughEveryState() throws Exception {
    // Given a breaker that opens after two failures
    bus.record("payments", "failure");
    bus.record("payments", "failure");
    Scrape open = scrape();
    assertThat(state(open, "payments", "open")).isEqualTo(1.0);
    assertThat(state(open, "payments", "closed")).isZero();
    assertThat(open.value("tripstate_transitions_total", own("from", "closed", "to", "open"))).isEqualTo(1.0);

    // When its open time passes and a trial is granted, then an operator forces it open, disables and resets it
    clock.advanceMillis(61_000);
    bus.acquire("payments");
    assertThat(state(scrape(), "payments", "half_open")).isEqualTo(1.0);
    bus.send("force_open", new JsonObject().put("name", "payments"));
    assertThat(state(scrape(), "payments", "forced_open")).isEqualTo(1.0);
    bus.send("disable", new JsonObject().put("name", "payments"));
    assertThat(state(scrape(), "payments", "disabled")).isEqualTo(1.0);
    bus.send("reset", new JsonObject().put("name", "payments"));

    // Then every move was counted once, and the gauge ends on closed
    Scrape last = scrape();
    assertThat(state(last, "payments", "closed")).isEqualTo(1.0);
    assertThat(state(last, "payments", "disabled")).isZero();
    assertThat(last.value("tripstate_transitions_total", own("from", "open", "to", "half_open"))).isEqualTo(1.0);
    assertThat(last.value("tripstate_transitions_total", own("from", "half_open", "to", "forced_open"))).isEqualTo(1.0);
    assertThat(last.value("tripstate_transitions_total", own("from", "forced_open", "to", "disabled"))).isEqualTo(1.0);
    assertThat(last.value("tripstate_transitions_total", own("from", "disabled", "to", "closed"))).isEqualTo(1.0);
    assertThat(last.value("tripstate_transitions_total", own("from", "closed", "to", "closed"))).isZero();
  }

  @Test
  void recordedCallsCountByKindWithTheirDurationsInSeconds() throws Exception {
    record("payments", "success", 250);
    record("payments", "success", 500);
    record("payments", "failure", 1_500);
    record("payments", "ignored", 10);

    Scrape scrape = scrape();

    assertThat(scrape.value("resilience4j_circuitbreaker_calls_seconds_count", "kind", "successful", "name",
        "payments")).isEqualTo(2.0);
    assertThat(scrape.value("resilience4j_circuitbreaker_calls_seconds_sum", "kind", "successful", "name",
        "payments")).isEqualTo(0.75);
    assertThat(scrape.value("resilience4j_circuitbreaker_calls_seconds_sum", "kind", "failed", "name",
        "payments")).isEqualTo(1.5);
    assertThat(scrape.value("resilience4j_circuitbreaker_calls_seconds_count", "kind", "ignored", "name",
        "payments")).isEqualTo(1.0);
  }

  @Test
  void rejectionsCountAsNotPermittedThroughTheOwnerAndOnTheFastPath(Vertx vertx) throws Exception {
    BreakerClient client = BreakerClient.create(vertx, config.getString("address"));
    // Given a closed breaker (created through the owner: the fast path knows only existing breakers) that
    // permitted four fast-path calls and one fast-path acquire
    bus.acquire("payments");
    for (int i = 0; i < 4; i++) {
      await(client.execute("payments", () -> Future.succeededFuture("ok")));
    }
    await(client.acquire("payments"));
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(scrape().value(FAST_PATH, "kind", "permitted", "name", "payments")).isEqualTo(5.0));

    // When it opens, and then two acquires reach the owner and three executes are refused on the fast path
    bus.record("payments", "failure");
    bus.record("payments", "failure");
    bus.acquire("payments");
    bus.acquire("payments");
    for (int i = 0; i < 3; i++) {
      Throwable refused = client.execute("payments", () -> Future.succeededFuture("never run")).cause();
      assertThat(refused).isInstanceOf(CallNotPermittedException.class);
    }

    // Then Resilience4j's counter has all five, and the fast path's own counter its three
    Scrape scrape = scrape();
    assertThat(scrape.value(NOT_PERMITTED, "kind", "not_permitted", "name", "payments")).isEqualTo(5.0);
    assertThat(scrape.value(FAST_PATH, "kind", "not_permitted", "name", "payments")).isEqualTo(3.0);
    assertThat(scrape.value("resilience4j_circuitbreaker_calls_seconds_count", "kind", "successful", "name",
        "payments")).isEqualTo(4.0);
  }

  @Test
  void aCountWindowReportsItsRatesAndItsBufferedAndSlowCalls() throws Exception {
    record("rated", "success", 1);
    record("rated", "failure", 1);
    record("rated", "success", 200);
    record("rated", "failure", 300);

    Scrape scrape = scrape();

    assertThat(scrape.value("resilience4j_circuitbreaker_failure_rate", "name", "rated")).isEqualTo(50.0);
    assertThat(scrape.value("resilience4j_circuitbreaker_slow_call_rate", "name", "rated")).isEqualTo(50.0);
    assertThat(scrape.value("resilience4j_circuitbreaker_buffered_calls", "kind", "failed", "name", "rated"))
        .isEqualTo(2.0);
    assertThat(scrape.value("resilience4j_circuitbreaker_buffered_calls", "kind", "successful", "name", "rated"))
        .isEqualTo(2.0);
    assertThat(scrape.value("resilience4j_circuitbreaker_slow_calls", "kind", "successful", "name", "rated"))
        .isEqualTo(1.0);
    assertThat(scrape.value("resilience4j_circuitbreaker_slow_calls", "kind", "failed", "name", "rated"))
        .isEqualTo(1.0);
  }

  @Test
  void statusSnapshotsCarryTheSameRates() throws Exception {
    record("rated", "success", 1);
    record("rated", "failure", 1);
    record("rated", "success", 200);
    record("rated", "failure", 1);
    bus.acquire("payments");

    JsonObject rated = bus.status("rated");
    JsonObject consecutive = bus.status("payments");

    assertThat(rated.getDouble("failure_rate")).isEqualTo(50.0);
    assertThat(rated.getDouble("slow_call_rate")).isEqualTo(25.0);
    assertThat(consecutive.getDouble("failure_rate")).as("a consecutive window has no rate").isEqualTo(-1.0);
    assertThat(bus.statusAll().getJsonArray("breakers").getJsonObject(1).getDouble("failure_rate"))
        .as("listed like the single status").isEqualTo(50.0);
  }

  @Test
  void aTimeWindowsRatesGoBackToMinusOneAsItsCallsAgeOut() throws Exception {
    record("timed", "failure", 1);
    record("timed", "success", 1);
    assertThat(scrape().value("resilience4j_circuitbreaker_failure_rate", "name", "timed")).isEqualTo(50.0);

    clock.advanceMillis(61_000);

    assertThat(scrape().value("resilience4j_circuitbreaker_failure_rate", "name", "timed")).isEqualTo(-1.0);
  }

  @Test
  void persistenceFiguresShowWritesRedisAndTheRestore() throws Exception {
    bus.record("payments", "failure");
    bus.record("payments", "failure");

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      Scrape scrape = scrape();
      assertThat(scrape.value("tripstate_snapshot_writes_total", own("result", "written"))).isGreaterThanOrEqualTo(1.0);
      assertThat(scrape.value("tripstate_snapshot_writes_pending", own())).isZero();
    });
    Scrape scrape = scrape();
    assertThat(scrape.value("tripstate_snapshot_writes_total", own("result", "refused"))).isZero();
    assertThat(scrape.value("tripstate_snapshot_writes_total", own("result", "failed"))).isZero();
    assertThat(scrape.value("tripstate_redis_connected", own())).isEqualTo(1.0);
    assertThat(scrape.value("tripstate_restored_breakers", own())).isGreaterThanOrEqualTo(0.0);
    assertThat(scrape.value("tripstate_restore_duration_seconds", own())).isGreaterThanOrEqualTo(0.0);
  }
}
