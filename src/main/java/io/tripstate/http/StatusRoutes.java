package io.tripstate.http;

import io.tripstate.BreakerClient;
import io.tripstate.breaker.Names;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/**
 * Read-only HTTP status routes: {@code GET /breakers}, {@code GET /breakers/{name}}, {@code GET /health}.
 * They ask the verticle over the event bus, so the router can be mounted on any server of the app
 * (e.g. {@code mainRouter.route("/tripstate/*").subRouter(StatusRoutes.router(vertx, "tripstate"))})
 * without touching breaker state from another thread. API failure codes become HTTP status codes.
 * They are GET only: a POST answers 405 unless the token-protected {@link AdminRoutes} are mounted too.
 */
public final class StatusRoutes {
  private StatusRoutes() {}

  /** The routes, asking the verticle on {@code address}. */
  public static Router router(Vertx vertx, String address) {
    BreakerClient client = BreakerClient.create(vertx, address);
    Router router = Router.router(vertx);
    router.get("/breakers").handler(ctx -> send(ctx, client.statusAll()));
    // Names may contain '/', so the rest of the path is the name.
    router.getWithRegex("/breakers/(.+)").handler(ctx -> {
      String name = decode(ctx.request().path().substring(ctx.request().path().indexOf("/breakers/") + 10));
      if (!Names.isValid(name)) {
        error(ctx, 400, "invalid breaker name");
        return;
      }
      send(ctx, client.status(name));
    });
    router.get("/health").handler(ctx -> send(ctx, client.health().recover(e ->
        Future.succeededFuture(new JsonObject().put("status", "DOWN").put("error", e.getMessage())))));
    return router;
  }

  /** Answers with the reply as JSON (503 when it says DOWN), or with the API's failure code as an error. */
  static void send(RoutingContext ctx, Future<JsonObject> reply) {
    reply.onComplete(result -> {
      if (result.succeeded()) {
        int status = "DOWN".equals(result.result().getString("status")) ? 503 : 200;
        ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
            .end(result.result().encode());
      } else if (result.cause() instanceof ReplyException failure
          && failure.failureCode() >= 400 && failure.failureCode() < 600) {
        error(ctx, failure.failureCode(), failure.getMessage());
      } else {
        error(ctx, 503, "tripstate is not answering: " + result.cause().getMessage());
      }
    });
  }

  /** Answers {@code {"error": message, "code": status}}. */
  static void error(RoutingContext ctx, int status, String message) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json")
        .end(new JsonObject().put("error", message).put("code", status).encode());
  }

  private static String decode(String raw) {
    try {
      return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return "";
    }
  }
}
