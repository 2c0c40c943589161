package io.tripstate.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.BreakerVerticle;
import io.tripstate.support.Bus;
import io.tripstate.support.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The HTTP decision API: acquire and record for services in any language, behind their own token. */
@ExtendWith(VertxExtension.class)
class DecisionRoutesIntegrationTest {
  private static final String API_TOKEN = "api-token-" + UUID.randomUUID();
  private static final String ADMIN_TOKEN = "admin-token-" + UUID.randomUUID();
  private static final int MAX_BODY_BYTES = 1024;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final MutableClock clock = MutableClock.startingNow();
  private Bus bus;
  private int port;

  @BeforeEach
  void deploy(Vertx vertx) {
    JsonObject config = Deployments.config().put("http", new JsonObject().put("port", 0).put("apiToken", API_TOKEN)
        .put("adminToken", ADMIN_TOKEN).put("maxBodyBytes", MAX_BODY_BYTES));
    BreakerVerticle verticle = Deployments.deploy(vertx, config, clock);
    bus = Deployments.bus(vertx, config);
    port = verticle.httpPort();
  }

  private HttpResponse<String> post(int onPort, String path, String authorization, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + onPort + path))
        .timeout(Duration.ofSeconds(5))
        .POST(body == null ? BodyPublishers.noBody() : BodyPublishers.ofString(body));
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private JsonObject decide(String path, String body, int expectedStatus) throws Exception {
    HttpResponse<String> response = post(port, path, "Bearer " + API_TOKEN, body);
    assertThat(response.statusCode()).as("%s %s: %s", path, body, response.body()).isEqualTo(expectedStatus);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    return new JsonObject(response.body());
  }

  @Test
  void acquireAndRecordDriveABreakerLikeTheEventBusDoes() throws Exception {
    // Given a new breaker
    // When a service acquires, records its outcomes, and acquires again once it opened
    JsonObject permitted = decide("/breakers/payments/acquire", null, 200);
    JsonObject first = decide("/breakers/payments/record", new JsonObject().put("outcome", "failure")
        .put("permit", permitted.getString("permit")).put("duration_ms", 12.5).encode(), 200);
    JsonObject second = decide("/breakers/payments/record", "{\"outcome\": \"failure\"}", 200);
    JsonObject rejected = decide("/breakers/payments/acquire", "{}", 200);

    // Then the answers are those of the event-bus API, and the breaker is open for everyone
    assertThat(permitted.getString("permit")).isNotBlank();
    assertThat(permitted.copy().put("permit", "(any)")).isEqualTo(new JsonObject().put("name", "payments")
        .put("permitted", true).put("state", "closed").put("permit", "(any)"));
    assertThat(first).isEqualTo(new JsonObject().put("name", "payments").put("state", "closed"));
    assertThat(second).isEqualTo(new JsonObject().put("name", "payments").put("state", "open"));
    assertThat(rejected).isEqualTo(new JsonObject().put("name", "payments").put("permitted", false)
        .put("state", "open").put("retry_after_ms", 60_000));
    assertThat(bus.status("payments").getString("state")).isEqualTo("open");
  }

  @Test
  void aTrialPermitIsRecordedOnceAndAnOpenEndedForcedBreakerAnswersRetryAfterNull() throws Exception {
    // Given an open breaker whose open time is up, and one forced open until reset
    bus.record("search", "failure");
    bus.record("search", "failure");
    clock.advanceMillis(60_000);
    bus.send("force_open", new JsonObject().put("name", "frozen"));

    // When a trial is acquired and recorded twice, and the forced one is acquired
    JsonObject trial = decide("/breakers/search/acquire", null, 200);
    String outcome = new JsonObject().put("outcome", "success").put("permit", trial.getString("permit")).encode();
    JsonObject closed = decide("/breakers/search/record", outcome, 200);
    JsonObject again = decide("/breakers/search/record", outcome, 409);
    JsonObject frozen = decide("/breakers/frozen/acquire", null, 200);

    // Then the trial closed it, the used permit is refused, and the forced breaker names no retry time
    assertThat(trial.getString("state")).isEqualTo("half_open");
    assertThat(closed.getString("state")).isEqualTo("closed");
    assertThat(again.getInteger("code")).isEqualTo(409);
    assertThat(frozen.getBoolean("permitted")).isFalse();
    assertThat(frozen.containsKey("retry_after_ms")).isTrue();
    assertThat(frozen.getValue("retry_after_ms")).isNull();
  }

  @Test
  void namesMayContainSlashes() throws Exception {
    JsonObject permitted = decide("/breakers/payments/eu-west/acquire", null, 200);
    JsonObject encoded = decide("/breakers/x%2Fy/record", "{\"outcome\": \"success\"}", 200);

    assertThat(permitted.getString("name")).isEqualTo("payments/eu-west");
    assertThat(encoded.getString("name")).isEqualTo("x/y");
  }

  @Test
  void aBadBodyIs400WithAMessageNamingTheField() throws Exception {
    String[][] cases = {
        {"{\"outcome\": \"maybe\"}", "'outcome'"},
        {"{}", "'outcome'"},
        {"", "'outcome'"},
        {"{\"outcome\": \"success\", \"permit\": 5}", "'permit'"},
        {"{\"outcome\": \"success\", \"permit\": \"not-a-permit\"}", "'permit'"},
        {"{\"outcome\": \"failure\", \"duration_ms\": -1}", "'duration_ms'"},
        {"{\"outcome\": \"failure\", \"duration_ms\": \"slow\"}", "'duration_ms'"},
        {"{not json", "JSON"},
        {"[\"success\"]", "JSON object"}};
    for (String[] bad : cases) {
      JsonObject error = decide("/breakers/picky/record", bad[0], 400);

      assertThat(error.getString("error")).as(bad[0]).contains(bad[1]);
      assertThat(error.getInteger("code")).isEqualTo(400);
    }
    assertThat(decide("/breakers/picky/acquire", "42", 400).getString("error")).contains("JSON object");
    assertThat(decide("/breakers/bad%20name/acquire", null, 400).getString("error")).contains("invalid breaker name");
    assertThat(bus.refuse("status", new JsonObject().put("name", "picky")).failureCode()).isEqualTo(404);
  }

  @Test
  void aBodyOverTheLimitIs413() throws Exception {
    String big = new JsonObject().put("outcome", "success").put("padding", "x".repeat(MAX_BODY_BYTES)).encode();

    JsonObject error = decide("/breakers/huge/record", big, 413);

    assertThat(error.getString("error")).contains("http.maxBodyBytes");
    assertThat(bus.refuse("status", new JsonObject().put("name", "huge")).failureCode()).isEqualTo(404);
  }

  @Test
  void neitherNoTokenAWrongOneNorTheAdminTokenOpensThem() throws Exception {
    // Given a breaker opened by failures
    bus.record("guarded", "failure");
    bus.record("guarded", "failure");

    // When the decision routes are called without the API token
    for (String authorization : new String[] {null, "Bearer wrong", "Bearer " + ADMIN_TOKEN, API_TOKEN,
        "Basic " + API_TOKEN}) {
      for (String path : new String[] {"/breakers/guarded/acquire", "/breakers/guarded/record"}) {
        HttpResponse<String> response = post(port, path, authorization, "{\"outcome\": \"success\"}");

        // Then each is 401 with a challenge, and nothing changed
        assertThat(response.statusCode()).as("%s with %s", path, authorization).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).get().asString().startsWith("Bearer");
      }
    }
    assertThat(bus.status("guarded").getString("state")).isEqualTo("open");
    // and the API token does not open the admin routes either
    assertThat(post(port, "/breakers/guarded/reset", "Bearer " + API_TOKEN, null).statusCode()).isEqualTo(401);
  }

  @Test
  void withoutAnApiTokenTheDecisionRoutesAre404(Vertx vertx) throws Exception {
    // Given a verticle with an admin token but no API token
    JsonObject config = Deployments.config().put("http", new JsonObject().put("port", 0)
        .put("adminToken", ADMIN_TOKEN));
    BreakerVerticle verticle = Deployments.deploy(vertx, config, clock);

    // When the decision routes are called, with any token
    for (String authorization : new String[] {null, "Bearer " + ADMIN_TOKEN, "Bearer " + API_TOKEN}) {
      for (String path : new String[] {"/breakers/payments/acquire", "/breakers/payments/record"}) {
        HttpResponse<String> response = post(verticle.httpPort(), path, authorization, "{\"outcome\": \"failure\"}");

        // Then they do not exist, and say how to turn them on
        assertThat(response.statusCode()).as("%s with %s", path, authorization).isEqualTo(404);
        assertThat(new JsonObject(response.body()).getString("error")).contains("http.apiToken");
      }
    }
    assertThat(Deployments.bus(vertx, config).statusAll().getJsonArray("breakers")).isEmpty();
  }
}
