package io.tripstate.readme;

import io.tripstate.BreakerClient;
import io.tripstate.CallNotPermittedException;
import io.tripstate.config.EnvOverrides;
import io.tripstate.http.MetricsRoutes;
import io.tripstate.http.StatusRoutes;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;

/**
 * The README's "Use it from a Vert.x app" example, whole: ReadmeSnippetsTest checks that every Java block of
 * README.md is a verbatim part of this file, and runs it against a real Redis.
 */
public final class ReadmeExample {
  private ReadmeExample() {}

  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    JsonObject config = EnvOverrides.apply(config("redis://127.0.0.1:6379", "circuit_breaker:"), System.getenv());
    // .await() blocks its thread: fine on this main thread (or a test's), never on an event loop.
    JsonObject result = run(vertx, config).await();
    System.out.println(result.encodePrettily());
    vertx.close().await();
  }

  /** The verticle's config: a breaker "payments" that opens after 3 consecutive failures, for 30 s. */
  public static JsonObject config(String redisUrl, String keyPrefix) {
    return new JsonObject()
        .put("redis", new JsonObject().put("connectionString", redisUrl))
        .put("persistence", new JsonObject().put("keyPrefix", keyPrefix))
        .put("breakers", new JsonObject().put("payments", new JsonObject()
            .put("failureThreshold", 3)
            .put("resetTimeoutMs", 30_000)));
  }

  /** Deploys tripstate, calls a failing service until its breaker refuses, then looks at the breaker. */
  public static Future<JsonObject> run(Vertx vertx, JsonObject config) {
    // A payment service that is down: every request fails.
    vertx.eventBus().<JsonObject>consumer("payment.service", msg -> msg.fail(503, "payment service down"));

    // Completes once the snapshots in Redis were restored, so the first call already sees them.
    return vertx.deployVerticle("io.tripstate.BreakerVerticle", new DeploymentOptions().setConfig(config))
        .compose(id -> chargeUntilRefused(vertx, BreakerClient.create(vertx), 1))
        .compose(calls -> acquireRaw(vertx)
            .compose(acquired -> serveStatus(vertx)
                .map(port -> new JsonObject()
                    .put("calls_run", calls)
                    .put("raw_acquire", acquired)
                    .put("http_port", port))));
  }

  /** Calls the payment service through the breaker until the breaker refuses; answers how many calls ran. */
  static Future<Integer> chargeUntilRefused(Vertx vertx, BreakerClient breakers, int attempt) {
    JsonObject order = new JsonObject().put("order", "A-" + attempt).put("amount", 42);
    return breakers.execute("payments", () -> vertx.eventBus().<JsonObject>request("payment.service", order))
        .map(reply -> attempt)
        .recover(err -> {
          if (err instanceof CallNotPermittedException open) {
            // "CircuitBreaker 'payments' is open and does not permit further calls; retry after 29987 ms"
            System.out.println(open.getMessage());
            return Future.succeededFuture(attempt - 1); // this call did not run
          }
          // The call ran and failed: tripstate recorded a failure. Try the next order a little later.
          return vertx.timer(50).compose(t -> chargeUntilRefused(vertx, breakers, attempt + 1));
        });
  }

  /** The same decision as a raw event-bus request: a JSON body, the action in the "action" header. */
  static Future<JsonObject> acquireRaw(Vertx vertx) {
    return vertx.eventBus()
        .<JsonObject>request("tripstate", new JsonObject().put("name", "payments"),
            new DeliveryOptions().addHeader("action", "acquire"))
        .map(reply -> reply.body());
    // closed: {"name":"payments","permitted":true,"state":"closed","permit":"0"}
    // open:   {"name":"payments","permitted":false,"state":"open","retry_after_ms":29964}
    // A permitted acquire must be followed by a "record" with its permit and outcome.
  }

  /** Mounts the read-only status routes and the metrics on the app's own router and HTTP server. */
  static Future<Integer> serveStatus(Vertx vertx) {
    Router router = Router.router(vertx);
    router.route("/ops/*").subRouter(StatusRoutes.router(vertx, "tripstate"));
    router.get("/metrics").handler(MetricsRoutes.handler(vertx, "tripstate"));
    return vertx.createHttpServer()
        .requestHandler(router)
        .listen(0) // then: curl 127.0.0.1:<port>/ops/breakers/payments
        .map(server -> server.actualPort());
  }
}
