package io.tripstate.it;

import static io.tripstate.support.Bus.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tripstate.BreakerVerticle;
import io.tripstate.app.Main;
import io.tripstate.http.MetricsRoutes;
import io.tripstate.support.Bus;
import io.tripstate.support.MutableClock;
import io.tripstate.support.Scrape;
import io.vertx.core.DeploymentOptions;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Where the metrics are served and which Micrometer registry they go to. */
@ExtendWith(VertxExtension.class)
class MetricsRoutesIntegrationTest {
  private static final String STATE = "resilience4j_circuitbreaker_state";
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private HttpResponse<String> get(int port, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int serve(Vertx vertx, Router router) {
    HttpServer server = await(vertx.createHttpServer().requestHandler(router).listen(0, "127.0.0.1"));
    return server.actualPort();
  }

  private static BreakerVerticle deploy(Vertx vertx, JsonObject config, MeterRegistry registry) {
    BreakerVerticle verticle = new BreakerVerticle(MutableClock.startingNow(), registry);
    await(vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config)));
    return verticle;
  }

  @Test
  void aMountedHandlerServesTheScrapeOnTheAppsOwnRouter(Vertx vertx) throws Exception {
    JsonObject config = Deployments.config();
    Bus bus = Deployments.serve(vertx, config, MutableClock.startingNow());
    bus.record("mounted", "failure");
    bus.record("mounted", "failure");
    Router app = Router.router(vertx);
    app.get("/ops/metrics").handler(MetricsRoutes.handler(vertx, config.getString("address")));

    HttpResponse<String> response = get(serve(vertx, app), "/ops/metrics");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(Scrape.parse(response.body()).value(STATE, "name", "mounted", "state", "open")).isEqualTo(1.0);
  }

  @Test
  void withMetricsOffTheVerticleServesNoMetricsRouteAndAMountedHandlerSays503(Vertx vertx) throws Exception {
    JsonObject config = Deployments.config().put("http", new JsonObject().put("port", 0))
        .put("metrics", new JsonObject().put("enabled", false));
    int port = Deployments.deploy(vertx, config, MutableClock.startingNow()).httpPort();
    Router app = Router.router(vertx);
    app.get("/metrics").handler(MetricsRoutes.handler(vertx, config.getString("address")));

    HttpResponse<String> own = get(port, "/metrics");
    HttpResponse<String> mounted = get(serve(vertx, app), "/metrics");

    assertThat(own.statusCode()).isEqualTo(404);
    assertThat(mounted.statusCode()).isEqualTo(503);
    assertThat(new JsonObject(mounted.body()).getString("error")).contains("metrics.enabled");
  }

  @Test
  void vertxsOwnMetricsComeAlongWhenTheAppRunsVertxWithMicrometerAsTheLauncherDoes() throws Exception {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Vertx vertx = Main.vertxWithMetrics(registry, new io.vertx.core.VertxOptions());
    try {
      JsonObject config = Deployments.config().put("http", new JsonObject().put("port", 0));
      int port = deploy(vertx, config, null).httpPort();
      Deployments.bus(vertx, config).acquire("payments");

      Scrape scrape = Scrape.parse(get(port, "/metrics").body());

      assertThat(scrape.value(STATE, "name", "payments", "state", "closed")).isEqualTo(1.0);
      assertThat(scrape.hasSampleStartingWith("vertx_eventbus_")).as("Vert.x's event-bus metrics").isTrue();
      assertThat(scrape.hasSampleStartingWith("vertx_http_server_")).as("Vert.x's HTTP server metrics").isTrue();
      assertThat(registry.find("tripstate.transitions").counters()).as("in the registry Vert.x reports to")
          .isNotEmpty();
    } finally {
      vertx.close().await(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void twoVerticlesSharingARegistryKeepTheirOwnMetersApart(Vertx vertx) throws Exception {
    // Given two verticles on their own addresses whose metrics share one registry
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    JsonObject first = Deployments.config().put("http", new JsonObject().put("port", 0));
    JsonObject second = Deployments.config().put("http", new JsonObject().put("port", 0));
    BreakerVerticle firstVerticle = deploy(vertx, first, registry);
    BreakerVerticle secondVerticle = deploy(vertx, second, registry);

    // When a breaker of the first opens, and then the first is undeployed
    Bus firstBus = Deployments.bus(vertx, first);
    firstBus.record("payments", "failure");
    firstBus.record("payments", "failure");
    Scrape before = Scrape.parse(get(secondVerticle.httpPort(), "/metrics").body());
    await(vertx.undeploy(firstVerticle.deploymentID()));
    Deployments.bus(vertx, second).acquire("search");
    Scrape after = Scrape.parse(get(secondVerticle.httpPort(), "/metrics").body());

    // Then each verticle's meters counted its own breakers, and the second's outlive the first
    assertThat(before.value("tripstate_transitions_total", "address", first.getString("address"), "from", "closed",
        "to", "open")).isEqualTo(1.0);
    assertThat(before.value("tripstate_transitions_total", "address", second.getString("address"), "from",
        "closed", "to", "open")).isZero();
    assertThat(before.value("tripstate_breakers", "address", first.getString("address"))).isEqualTo(1.0);
    assertThat(after.value("tripstate_breakers", "address", second.getString("address"))).isEqualTo(1.0);
  }

  @Test
  void anApplicationsOwnRegistryGetsTripstatesMetersUntilTheVerticleStops(Vertx vertx) throws Exception {
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    JsonObject config = Deployments.config().put("http", new JsonObject().put("port", 0));
    BreakerVerticle verticle = deploy(vertx, config, registry);
    Bus bus = Deployments.bus(vertx, config);
    bus.record("payments", "failure");
    bus.record("payments", "failure");

    double opened = registry.get("tripstate.transitions").tag("address", config.getString("address"))
        .tag("from", "closed").tag("to", "open").counter().count();
    Scrape scrape = Scrape.parse(get(verticle.httpPort(), "/metrics").body());

    assertThat(opened).isEqualTo(1.0);
    assertThat(scrape.value(STATE, "name", "payments", "state", "open"))
        .as("the per-breaker series are still served, as text of their own").isEqualTo(1.0);
    assertThat(scrape.hasSampleStartingWith("tripstate_transitions")).as("not a Prometheus registry").isFalse();

    await(vertx.undeploy(verticle.deploymentID()));

    assertThat(registry.find("tripstate.transitions").counters()).isEmpty();
    assertThat(registry.find("tripstate.breakers").gauges()).isEmpty();
  }
}
