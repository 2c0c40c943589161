package io.tripstate.http;

import io.tripstate.breaker.Names;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * Read-only HTTP status routes: {@code GET /breakers}, {@code GET /breakers/{name}},
 * {@code GET /breakers/{name}/history?limit=N} (newest first), {@code GET /health}, {@code GET /instances}, and
 * {@code GET /openapi.json} (the OpenAPI document of every route of the status server).
 * They ask the verticle over the event bus, so the router can be mounted on any server of the app
 * (e.g. {@code mainRouter.route("/tripstate/*").subRouter(StatusRoutes.router(vertx, "tripstate"))})
 * without touching breaker state from another thread. API failure codes become HTTP status codes; a
 * verticle that does not answer in time is 504, none listening 503.
 * They are GET only: the token-protected {@link AdminRoutes} and {@link DecisionRoutes} change state.
 */
public final class StatusRoutes {
  static final String INVALID_NAME = "invalid breaker name: use 1 to 128 of A-Z a-z 0-9 . _ : @ / -";

  private StatusRoutes() {}

  /** The routes, asking the verticle on {@code address} and waiting for it at most 30 s. */
  public static Router router(Vertx vertx, String address) {
    return router(vertx, address, DeliveryOptions.DEFAULT_TIMEOUT);
  }

  /** The routes, waiting at most {@code requestTimeoutMs} for the verticle (504 beyond). */
  public static Router router(Vertx vertx, String address, long requestTimeoutMs) {
    Router router = Router.router(vertx);
    mount(router, new ApiCaller(vertx, address, requestTimeoutMs));
    return router;
  }

  static void mount(Router router, ApiCaller api) {
    router.get("/breakers").handler(ctx -> Replies.send(ctx, api, api.ask("status", new JsonObject())));
    // Names may contain '/', so the name is the rest of the path; the route's parameter is decoded by
    // vertx-web and holds only what follows the mount point of this router. The history route comes first:
    // the status of a breaker whose name ends in "/history" is asked with that slash encoded (%2F).
    router.getWithRegex("/breakers/(?<name>.+)/history")
        .handler(ctx -> withName(ctx, name -> history(ctx, api, name)));
    router.getWithRegex("/breakers/(?<name>.+)").handler(ctx -> withName(ctx, name ->
        Replies.send(ctx, api, api.ask("status", name))));
    router.get("/health").handler(ctx -> Replies.send(ctx, api, api.ask("health", new JsonObject()).recover(e ->
        Future.succeededFuture(new JsonObject().put("status", "DOWN").put("error", e.getMessage())))));
    router.get("/instances").handler(ctx -> Replies.send(ctx, api, api.ask("instances", new JsonObject())));
    OpenApiDocument.mount(router, api.vertx());
  }

  /** {@code GET /breakers/{name}/history?limit=N}: the {@code history} action; {@code limit} is optional. */
  private static void history(RoutingContext ctx, ApiCaller api, String name) {
    JsonObject request = new JsonObject().put("name", name);
    String limit = ctx.queryParams().get("limit");
    if (limit != null) {
      try {
        request.put("limit", Long.parseLong(limit.strip()));
      } catch (NumberFormatException e) {
        Replies.error(ctx, 400, "'limit' must be a whole number from 1 to 1000, was '"
            + (limit.length() > 32 ? limit.substring(0, 32) + "..." : limit) + "'");
        return;
      }
    }
    Replies.send(ctx, api, api.ask("history", request));
  }

  /** Runs {@code action} with the route's valid {@code name}, or answers 400. */
  static void withName(RoutingContext ctx, java.util.function.Consumer<String> action) {
    String name = ctx.pathParam("name");
    if (name == null || !Names.isValid(name)) {
      Replies.error(ctx, 400, INVALID_NAME);
      return;
    }
    action.accept(name);
  }
}
