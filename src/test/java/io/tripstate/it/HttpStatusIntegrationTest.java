package io.tripstate.it;

import static io.tripstate.support.Bus.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.BreakerVerticle;
import io.tripstate.http.StatusRoutes;
import io.tripstate.support.Bus;
import io.tripstate.support.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.junit5.VertxExtension;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The HTTP status routes, on the verticle's own server and mounted on an app's router. */
@ExtendWith(VertxExtension.class)
class HttpStatusIntegrationTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private JsonObject config;
  private Bus bus;
  private int port;

  @BeforeEach
  void deploy(Vertx vertx) {
    config = Deployments.config().put("http", new JsonObject().put("port", 0));
    BreakerVerticle verticle = Deployments.deploy(vertx, config, MutableClock.startingNow());
    bus = Deployments.bus(vertx, config);
    port = verticle.httpPort();
  }

  private HttpResponse<String> get(int onPort, String path) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + onPort + path))
        .timeout(Duration.ofSeconds(5)).build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void listsEveryBreakerWithThePersistenceHealth() throws Exception {
    bus.record("checkout", "failure");
    bus.acquire("search");

    HttpResponse<String> response = get(port, "/breakers");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    JsonObject body = new JsonObject(response.body());
    assertThat(body.getJsonArray("breakers")).hasSize(2);
    assertThat(body.getJsonObject("persistence").getBoolean("enabled")).isTrue();
  }

  @Test
  void showsOneBreakerEvenWhenItsNameHasASlash() throws Exception {
    bus.record("payments/eu-west", "failure");
    bus.record("payments/eu-west", "failure");

    HttpResponse<String> response = get(port, "/breakers/payments/eu-west");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject snapshot = new JsonObject(response.body());
    assertThat(snapshot.getString("name")).isEqualTo("payments/eu-west");
    assertThat(snapshot.getString("state")).isEqualTo("open");
    assertThat(snapshot.getLong("retry_after_ms")).isPositive();
  }

  @Test
  void showsForcedStates() throws Exception {
    bus.send("force_open", new JsonObject().put("name", "maintenance"));
    bus.send("disable", new JsonObject().put("name", "noisy"));

    JsonObject forced = new JsonObject(get(port, "/breakers/maintenance").body());
    assertThat(forced.getString("state")).isEqualTo("forced_open");
    assertThat(forced.containsKey("retry_after_ms")).isTrue();
    assertThat(forced.getValue("retry_after_ms")).as("until reset").isNull();
    assertThat(new JsonObject(get(port, "/breakers/noisy").body()).getString("state")).isEqualTo("disabled");
  }

  @Test
  void answersAnUnknownBreakerWith404AndAJsonError() throws Exception {
    HttpResponse<String> response = get(port, "/breakers/nobody");

    assertThat(response.statusCode()).isEqualTo(404);
    JsonObject error = new JsonObject(response.body());
    assertThat(error.getString("error")).contains("nobody");
    assertThat(error.getInteger("code")).isEqualTo(404);
  }

  @Test
  void answersAnInvalidNameWith400() throws Exception {
    assertThat(get(port, "/breakers/bad%20name").statusCode()).isEqualTo(400);
  }

  @Test
  void reportsHealthWithPersistenceUp() throws Exception {
    HttpResponse<String> response = get(port, "/health");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonObject health = new JsonObject(response.body());
    assertThat(health.getString("status")).isEqualTo("UP");
    assertThat(health.getString("persistence")).isEqualTo("UP");
    assertThat(health.getJsonObject("sharing").getBoolean("enabled")).isFalse();
    assertThat(health.getJsonObject("sharing").getString("instance")).isNotBlank();
  }

  @Test
  void servesTheSameRoutesMountedOnTheAppsOwnServer(Vertx vertx) throws Exception {
    bus.acquire("mounted");
    Router app = Router.router(vertx);
    app.route("/ops/*").subRouter(StatusRoutes.router(vertx, config.getString("address")));
    HttpServer server = await(vertx.createHttpServer().requestHandler(app).listen(0, "127.0.0.1"));

    HttpResponse<String> response = get(server.actualPort(), "/ops/breakers/mounted");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(response.body()).getString("state")).isEqualTo("closed");
  }

  @Test
  void readsTheNameFromThePathParameterUnderAPrefixThatContainsBreakers(Vertx vertx) throws Exception {
    // Given a breaker and the routes mounted under a prefix that itself contains "/breakers/"
    bus.acquire("payments");
    Router app = Router.router(vertx);
    app.route("/ops/breakers/v1/*").subRouter(StatusRoutes.router(vertx, config.getString("address")));
    HttpServer server = await(vertx.createHttpServer().requestHandler(app).listen(0, "127.0.0.1"));

    // When its status is asked through that prefix
    HttpResponse<String> response = get(server.actualPort(), "/ops/breakers/v1/breakers/payments");

    // Then the name is the route's parameter, not whatever follows the first "/breakers/"
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(new JsonObject(response.body()).getString("name")).isEqualTo("payments");
  }

  @Test
  void answersAnEventBusTimeoutWith504(Vertx vertx) throws Exception {
    // Given a consumer on the address that never replies, and routes that wait 200 ms for it
    String address = "silent-" + java.util.UUID.randomUUID();
    vertx.eventBus().consumer(address, message -> { });
    Router app = Router.router(vertx);
    app.route("/*").subRouter(StatusRoutes.router(vertx, address, 200));
    HttpServer server = await(vertx.createHttpServer().requestHandler(app).listen(0, "127.0.0.1"));

    // When a status is asked
    HttpResponse<String> response = get(server.actualPort(), "/breakers/payments");

    // Then the gateway timed out: 504, not 503 (which says nobody listens)
    assertThat(response.statusCode()).isEqualTo(504);
    assertThat(new JsonObject(response.body()).getString("error")).contains("did not answer within 200 ms");
  }

  @Test
  void reportsDownWhenNoVerticleAnswers(Vertx vertx) throws Exception {
    Router app = Router.router(vertx);
    app.route("/*").subRouter(StatusRoutes.router(vertx, "nobody-listens-here"));
    HttpServer server = await(vertx.createHttpServer().requestHandler(app).listen(0, "127.0.0.1"));

    HttpResponse<String> response = get(server.actualPort(), "/health");

    assertThat(response.statusCode()).isEqualTo(503);
    assertThat(new JsonObject(response.body()).getString("status")).isEqualTo("DOWN");
  }
}
