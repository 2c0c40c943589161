package io.tripstate.it;

import static io.tripstate.support.Bus.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.BreakerVerticle;
import io.tripstate.http.AdminRoutes;
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
import java.net.http.HttpRequest.BodyPublishers;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The token-protected admin routes: they change state with the right token, and nothing else does. */
@ExtendWith(VertxExtension.class)
class AdminRoutesIntegrationTest {
  private static final String TOKEN = "admin-token-" + java.util.UUID.randomUUID();
  private static final int MAX_BODY_BYTES = 1024;

  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final MutableClock clock = MutableClock.startingNow();
  private JsonObject config;
  private Bus bus;
  private int port;

  @BeforeEach
  void deploy(Vertx vertx) {
    config = Deployments.config().put("http", new JsonObject().put("port", 0).put("adminToken", TOKEN)
        .put("maxBodyBytes", MAX_BODY_BYTES));
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

  private HttpResponse<String> admin(String path, String body) throws Exception {
    return post(port, path, "Bearer " + TOKEN, body);
  }

  private void open(String name) {
    bus.record(name, "failure");
    bus.record(name, "failure");
    assertThat(bus.status(name).getString("state")).isEqualTo("open");
  }

  private static JsonObject json(HttpResponse<String> response) {
    return new JsonObject(response.body());
  }

  @Test
  void resetClosesAnOpenBreaker() throws Exception {
    open("payments");

    HttpResponse<String> response = admin("/breakers/payments/reset", null);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.headers().firstValue("content-type")).hasValue("application/json");
    assertThat(json(response).getString("name")).isEqualTo("payments");
    assertThat(json(response).getString("state")).isEqualTo("closed");
    assertThat(bus.status("payments").getString("state")).isEqualTo("closed");
  }

  @Test
  void forceOpenHonoursTheDurationInTheBody() throws Exception {
    HttpResponse<String> response = admin("/breakers/inventory/force-open", "{\"duration_ms\": 45000}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).getString("state")).isEqualTo("forced_open");
    assertThat(json(response).getLong("retry_after_ms")).isEqualTo(45_000);
    JsonObject status = bus.status("inventory");
    assertThat(status.getString("state")).isEqualTo("forced_open");
    assertThat(status.getLong("retry_after_ms")).isEqualTo(45_000);
    assertThat(bus.acquire("inventory").getBoolean("permitted")).isFalse();
  }

  @Test
  void forceOpenWithoutABodyHoldsTheBreakerOpenUntilReset() throws Exception {
    HttpResponse<String> response = admin("/breakers/maintenance/force-open", null);

    assertThat(response.statusCode()).isEqualTo(200);
    clock.advanceMillis(3_600_000);
    assertThat(bus.status("maintenance").getString("state")).isEqualTo("forced_open");
    assertThat(admin("/breakers/maintenance/reset", "").statusCode()).isEqualTo(200);
    assertThat(bus.status("maintenance").getString("state")).isEqualTo("closed");
  }

  @Test
  void disableLetsEverythingThrough() throws Exception {
    open("noisy");

    HttpResponse<String> response = admin("/breakers/noisy/disable", "{}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).getString("state")).isEqualTo("disabled");
    assertThat(bus.acquire("noisy").getBoolean("permitted")).isTrue();
  }

  @Test
  void namesMayContainSlashesAndTheActionIsTheLastSegment() throws Exception {
    open("payments/eu-west/reset");

    HttpResponse<String> reset = admin("/breakers/payments/eu-west/reset/reset", null);
    HttpResponse<String> forced = admin("/breakers/a/b/c/force-open", "{\"duration_ms\": 1000}");
    HttpResponse<String> encoded = admin("/breakers/x%2Fy/disable", null);

    assertThat(reset.statusCode()).isEqualTo(200);
    assertThat(json(reset).getString("name")).isEqualTo("payments/eu-west/reset");
    assertThat(bus.status("payments/eu-west/reset").getString("state")).isEqualTo("closed");
    assertThat(json(forced).getString("name")).isEqualTo("a/b/c");
    assertThat(bus.status("a/b/c").getString("state")).isEqualTo("forced_open");
    assertThat(encoded.statusCode()).isEqualTo(200);
    assertThat(bus.status("x/y").getString("state")).isEqualTo("disabled");
  }

  @Test
  void resetOfAnUnknownNameIs404AndAnInvalidNameIs400() throws Exception {
    HttpResponse<String> unknown = admin("/breakers/nobody/reset", null);
    HttpResponse<String> invalid = admin("/breakers/bad%20name/disable", null);

    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(json(unknown).getString("error")).contains("nobody");
    assertThat(json(unknown).getInteger("code")).isEqualTo(404);
    assertThat(invalid.statusCode()).isEqualTo(400);
    assertThat(bus.statusAll().getJsonArray("breakers")).isEmpty();
  }

  @Test
  void refusesAWrongTokenAMissingHeaderAndOtherSchemesWithoutChangingAnything() throws Exception {
    open("guarded");
    String basic = "Basic " + Base64.getEncoder().encodeToString(("admin:" + TOKEN).getBytes());
    String[] refused = {"Bearer wrong-" + TOKEN, "Bearer " + TOKEN.substring(1), null, basic, TOKEN, "Bearer",
        "Bearer  ", "bearer-" + TOKEN};

    for (String authorization : refused) {
      for (String path : new String[] {"/breakers/guarded/reset", "/breakers/guarded/disable",
          "/breakers/fresh/force-open"}) {
        HttpResponse<String> response = post(port, path, authorization, null);

        assertThat(response.statusCode()).as("%s with %s", path, authorization).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).get().asString().startsWith("Bearer");
        assertThat(json(response).getInteger("code")).isEqualTo(401);
        assertThat(response.body()).doesNotContain(TOKEN.substring(1));
      }
    }

    assertThat(bus.status("guarded").getString("state")).isEqualTo("open");
    assertThat(bus.refuse("status", new JsonObject().put("name", "fresh")).failureCode()).isEqualTo(404);
  }

  @Test
  void acceptsTheSchemeInAnyCase() throws Exception {
    open("cased");

    assertThat(post(port, "/breakers/cased/reset", "bearer " + TOKEN, null).statusCode()).isEqualTo(200);
  }

  @Test
  void refusesABodyOverTheLimitWith413() throws Exception {
    String big = new JsonObject().put("duration_ms", 1000).put("padding", "x".repeat(MAX_BODY_BYTES)).encode();

    HttpResponse<String> response = admin("/breakers/huge/force-open", big);

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(json(response).getInteger("code")).isEqualTo(413);
    assertThat(bus.refuse("status", new JsonObject().put("name", "huge")).failureCode()).isEqualTo(404);
  }

  @Test
  void refusesABodyThatIsNotAJsonObjectWith400() throws Exception {
    String[] bodies = {"{not json", "[1, 2]", "\"text\"", "null", "{\"duration_ms\": \"soon\"}",
        "{\"duration_ms\": 1.5}", "{\"duration_ms\": 0}", "{\"duration_ms\": -5}", "[".repeat(MAX_BODY_BYTES - 1)};

    for (String body : bodies) {
      HttpResponse<String> response = admin("/breakers/picky/force-open", body);

      assertThat(response.statusCode()).as(body).isEqualTo(400);
      assertThat(json(response).getInteger("code")).isEqualTo(400);
    }
    assertThat(admin("/breakers/picky/disable", "<xml/>").statusCode()).isEqualTo(400);
    assertThat(bus.refuse("status", new JsonObject().put("name", "picky")).failureCode()).isEqualTo(404);
  }

  @Test
  void statusRoutesStayReadOnly() throws Exception {
    open("readonly");

    HttpResponse<String> response = post(port, "/breakers/readonly", "Bearer " + TOKEN, "{}");

    assertThat(response.statusCode()).isIn(404, 405);
    assertThat(post(port, "/breakers", "Bearer " + TOKEN, "{}").statusCode()).isIn(404, 405);
    assertThat(bus.status("readonly").getString("state")).isEqualTo("open");
  }

  @Test
  void withoutATokenTheAdminPathsAreNotServed(Vertx vertx) throws Exception {
    JsonObject plain = Deployments.config().put("http", new JsonObject().put("port", 0));
    BreakerVerticle verticle = Deployments.deploy(vertx, plain, clock);
    Bus plainBus = Deployments.bus(vertx, plain);
    plainBus.record("locked", "failure");
    plainBus.record("locked", "failure");

    for (String path : new String[] {"/breakers/locked/reset", "/breakers/locked/disable",
        "/breakers/locked/force-open", "/breakers/fresh/force-open", "/breakers/locked"}) {
      for (String authorization : new String[] {null, "Bearer " + TOKEN, "Bearer "}) {
        assertThat(post(verticle.httpPort(), path, authorization, "{}").statusCode()).as(path).isIn(404, 405);
      }
    }

    assertThat(plainBus.status("locked").getString("state")).isEqualTo("open");
    assertThat(plainBus.statusAll().getJsonArray("breakers")).hasSize(1);
  }

  @Test
  void servesTheSameRoutesMountedOnTheAppsOwnServer(Vertx vertx) throws Exception {
    open("mounted");
    String address = config.getString("address");
    Router app = Router.router(vertx);
    app.route("/ops/*").subRouter(StatusRoutes.router(vertx, address));
    app.route("/ops/*").subRouter(AdminRoutes.router(vertx, address, "other-token", 64));
    HttpServer server = await(vertx.createHttpServer().requestHandler(app).listen(0, "127.0.0.1"));

    assertThat(post(server.actualPort(), "/ops/breakers/mounted/reset", "Bearer " + TOKEN, null).statusCode())
        .isEqualTo(401);
    assertThat(bus.status("mounted").getString("state")).isEqualTo("open");
    HttpResponse<String> reset = post(server.actualPort(), "/ops/breakers/mounted/reset", "Bearer other-token", null);

    assertThat(reset.statusCode()).isEqualTo(200);
    assertThat(bus.status("mounted").getString("state")).isEqualTo("closed");
    HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.actualPort()
        + "/ops/breakers/mounted")).timeout(Duration.ofSeconds(5)).build();
    assertThat(http.send(get, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
  }
}
