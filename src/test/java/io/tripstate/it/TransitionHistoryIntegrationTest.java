package io.tripstate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tripstate.BreakerVerticle;
import io.tripstate.history.HistoryRecorder;
import io.tripstate.support.Bus;
import io.tripstate.support.CapturedLogs;
import io.tripstate.support.MutableClock;
import io.tripstate.support.Resp;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every transition in a capped Redis stream per breaker, read newest first over the event bus and HTTP. */
@ExtendWith(VertxExtension.class)
class TransitionHistoryIntegrationTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final MutableClock clock = MutableClock.startingNow();

  private static String historyKey(JsonObject config, String name) {
    return config.getJsonObject("persistence").getString("keyPrefix") + name + ":history";
  }

  private static String redis(JsonObject config, String... command) {
    return Resp.command(config.getJsonObject("redis").getString("connectionString"), command);
  }

  private static JsonArray history(Bus bus, String name, Integer limit) {
    JsonObject request = new JsonObject().put("name", name);
    if (limit != null) {
      request.put("limit", limit);
    }
    JsonObject reply = bus.send("history", request);
    assertThat(reply.getString("name")).isEqualTo(name);
    return reply.getJsonArray("history");
  }

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Opens (2 failures), lets a trial in after the open time, and closes it with a success. */
  private void openTrialAndClose(Bus bus, String name) {
    bus.record(name, "failure");
    bus.record(name, "failure");
    clock.advanceMillis(60_000);
    String permit = bus.acquire(name).getString("permit");
    bus.send("record", new JsonObject().put("name", name).put("outcome", "success").put("permit", permit));
  }

  @Test
  void everyTransitionIsInItsBreakersStreamNewestFirstAndSurvivesARestart(Vertx vertx) throws Exception {
    // Given a breaker that opened, went half-open and closed again
    JsonObject config = Deployments.config().put("http", new JsonObject().put("port", 0));
    BreakerVerticle first = Deployments.deploy(vertx, config, clock);
    Bus bus = Deployments.bus(vertx, config);
    long openedAt = clock.millis();
    openTrialAndClose(bus, "payments");
    await().atMost(Duration.ofSeconds(10)).until(() -> "3".equals(redis(config, "XLEN", historyKey(config, "payments"))));

    // When the verticle restarts
    Bus.await(vertx.undeploy(first.deploymentID()));
    BreakerVerticle second = Deployments.deploy(vertx, config, clock);

    // Then its history is read back, newest first, over the event bus and over HTTP alike
    JsonArray history = history(bus, "payments", null);
    assertThat(history).hasSize(3);
    List<String> steps = new ArrayList<>();
    for (int i = 0; i < history.size(); i++) {
      JsonObject entry = history.getJsonObject(i);
      assertThat(entry.fieldNames()).containsExactlyInAnyOrder("from", "to", "at", "reason", "version");
      steps.add(entry.getString("from") + "->" + entry.getString("to") + " " + entry.getString("reason"));
    }
    assertThat(steps).containsExactly("half_open->closed trial_succeeded", "open->half_open reset_timeout_elapsed",
        "closed->open failure_threshold");
    // Versions are Redis's: transitions written together share the version they are stored as.
    assertThat(history.getJsonObject(0).getLong("version"))
        .isGreaterThanOrEqualTo(history.getJsonObject(1).getLong("version"));
    assertThat(history.getJsonObject(1).getLong("version"))
        .isGreaterThanOrEqualTo(history.getJsonObject(2).getLong("version"));
    assertThat(history.getJsonObject(0).getLong("version")).isGreaterThan(history.getJsonObject(2).getLong("version"));
    assertThat(history.getJsonObject(2).getDouble("at")).isEqualTo(openedAt / 1000.0);
    HttpResponse<String> response = get(second.httpPort(), "/breakers/payments/history");
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(response.body()))
        .isEqualTo(new JsonObject().put("name", "payments").put("history", history));
    // and the stream expires 7 days (the default) after its last entry
    long ttl = Long.parseLong(redis(config, "TTL", historyKey(config, "payments")));
    assertThat(ttl).isBetween(604_800L - 60, 604_800L);
  }

  @Test
  void theStreamIsCappedNearMaxEntriesAndExpiresAfterTtlSeconds(Vertx vertx) {
    // Given a history of about 100 entries per breaker that expires an hour after its last one
    JsonObject config = Deployments.config()
        .put("history", new JsonObject().put("maxEntries", 100).put("ttlSeconds", 3_600));
    Bus bus = Deployments.serve(vertx, config, clock);

    // When the breaker makes 300 transitions
    long lastVersion = 0;
    for (int i = 0; i < 150; i++) {
      bus.send("force_open", new JsonObject().put("name", "flapping"));
      lastVersion = bus.send("reset", new JsonObject().put("name", "flapping")).getLong("version");
    }
    long newest = lastVersion;
    await().atMost(Duration.ofSeconds(10))
        .until(() -> history(bus, "flapping", 1).getJsonObject(0).getLong("version") == newest);

    // Then Redis trimmed it (approximately, in whole blocks) and set the configured expiry
    long length = Long.parseLong(redis(config, "XLEN", historyKey(config, "flapping")));
    assertThat(length).isBetween(100L, 200L);
    assertThat(Long.parseLong(redis(config, "TTL", historyKey(config, "flapping")))).isBetween(3_500L, 3_600L);
    JsonArray all = history(bus, "flapping", 1_000);
    assertThat(all).hasSize((int) length);
    for (int i = 1; i < all.size(); i++) {
      assertThat(all.getJsonObject(i).getLong("version"))
          .isLessThanOrEqualTo(all.getJsonObject(i - 1).getLong("version"));
    }
  }

  @Test
  void theLimitIsHonouredAndBadLimitsOrUnknownNamesAreRefused(Vertx vertx) throws Exception {
    // Given a breaker with three transitions, and the HTTP routes
    JsonObject config = Deployments.config().put("http", new JsonObject().put("port", 0));
    BreakerVerticle verticle = Deployments.deploy(vertx, config, clock);
    Bus bus = Deployments.bus(vertx, config);
    openTrialAndClose(bus, "orders");
    await().atMost(Duration.ofSeconds(10)).until(() -> history(bus, "orders", null).size() == 3);

    // When it is asked with limits, right and wrong, and for a name that has no breaker
    // Then a limit cuts the list, a bad one is 400 naming 'limit', an unknown name 404
    assertThat(history(bus, "orders", 2)).hasSize(2);
    assertThat(history(bus, "orders", 2).getJsonObject(0).getString("to")).isEqualTo("closed");
    for (Object limit : new Object[] {0, 1_001, -1, 2.5, "2", true}) {
      ReplyException refused = bus.refuse("history", new JsonObject().put("name", "orders").put("limit", limit));
      assertThat(refused.failureCode()).as("limit %s", limit).isEqualTo(400);
      assertThat(refused.getMessage()).contains("'limit'").contains("1 to 1000");
    }
    assertThat(bus.refuse("history", new JsonObject().put("name", "nobody")).failureCode()).isEqualTo(404);
    assertThat(bus.refuse("history", new JsonObject()).getMessage()).contains("'name'");
    int port = verticle.httpPort();
    assertThat(new JsonObject(get(port, "/breakers/orders/history?limit=1").body()).getJsonArray("history"))
        .hasSize(1);
    for (String limit : new String[] {"abc", "0", "1001", "1.5", ""}) {
      HttpResponse<String> refused = get(port, "/breakers/orders/history?limit=" + limit);
      assertThat(refused.statusCode()).as("limit=%s", limit).isEqualTo(400);
      assertThat(new JsonObject(refused.body()).getString("error")).contains("'limit'");
    }
    assertThat(get(port, "/breakers/nobody/history").statusCode()).isEqualTo(404);
    assertThat(get(port, "/breakers/bad%20name/history").statusCode()).isEqualTo(400);
  }

  @Test
  void aNameEndingInHistoryHasItsStatusReadWithTheSlashEncoded(Vertx vertx) throws Exception {
    // Given a breaker named "reports/history" (a valid name) and one named "reports"
    JsonObject config = Deployments.config().put("http", new JsonObject().put("port", 0));
    BreakerVerticle verticle = Deployments.deploy(vertx, config, clock);
    Bus bus = Deployments.bus(vertx, config);
    bus.send("force_open", new JsonObject().put("name", "reports/history"));
    bus.acquire("reports");

    // When both paths are asked
    HttpResponse<String> historyOfReports = get(verticle.httpPort(), "/breakers/reports/history");
    HttpResponse<String> statusOfTheOther = get(verticle.httpPort(), "/breakers/reports%2Fhistory");

    // Then the plain path is the history of "reports", the encoded one the status of "reports/history"
    assertThat(new JsonObject(historyOfReports.body()).getString("name")).isEqualTo("reports");
    assertThat(new JsonObject(historyOfReports.body()).containsKey("history")).isTrue();
    assertThat(statusOfTheOther.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(statusOfTheOther.body()).getString("name")).isEqualTo("reports/history");
    assertThat(new JsonObject(statusOfTheOther.body()).getString("state")).isEqualTo("forced_open");
  }

  @Test
  void withPersistenceOffTheHistoryIsKeptInMemoryAndCapped(Vertx vertx) {
    // Given no Redis at all and a history of 3 entries per breaker
    JsonObject config = Deployments.config().put("persistence", new JsonObject().put("enabled", false))
        .put("history", new JsonObject().put("maxEntries", 3));
    Bus bus = Deployments.serve(vertx, config, clock);

    // When the breaker makes 4 transitions
    openTrialAndClose(bus, "local");
    bus.send("disable", new JsonObject().put("name", "local"));

    // Then the 3 newest are there, at once
    JsonArray history = history(bus, "local", null);
    assertThat(history).extracting(entry -> ((JsonObject) entry).getString("to"))
        .containsExactly("disabled", "closed", "half_open");
  }

  @Test
  void maxEntriesZeroKeepsNoHistory(Vertx vertx) {
    // Given history turned off
    JsonObject config = Deployments.config().put("history", new JsonObject().put("maxEntries", 0));
    Bus bus = Deployments.serve(vertx, config, clock);

    // When the breaker makes transitions
    openTrialAndClose(bus, "quiet");

    // Then nothing is kept, in Redis or in the reply
    assertThat(history(bus, "quiet", null)).isEmpty();
    assertThat(redis(config, "EXISTS", historyKey(config, "quiet"))).isEqualTo("0");
  }

  @Test
  void anAppendThatFailsIsWarnedWithItsKeyAndNeverDelaysAReply(Vertx vertx) {
    // Given a key of another type where the breaker's stream belongs
    JsonObject config = Deployments.config();
    Bus bus = Deployments.serve(vertx, config, clock);
    String key = historyKey(config, "squatted");
    redis(config, "SET", key, "not a stream");
    try (CapturedLogs logs = CapturedLogs.of(HistoryRecorder.class, Level.WARNING)) {

      // When the breaker is forced open
      JsonObject reply = bus.send("force_open", new JsonObject().put("name", "squatted"));

      // Then the reply came as usual, the failure is warned naming breaker and key, and a read says why
      assertThat(reply.getString("state")).isEqualTo("forced_open");
      await().atMost(Duration.ofSeconds(10)).until(() -> !logs.lines().isEmpty());
      assertThat(logs.lines().get(0)).contains("'squatted'").contains("'" + key + "'").contains("WRONGTYPE");
      ReplyException unreadable = bus.refuse("history", new JsonObject().put("name", "squatted"));
      assertThat(unreadable.failureCode()).isEqualTo(503);
      assertThat(unreadable.getMessage()).contains(key).contains("WRONGTYPE");
    }
  }
}
