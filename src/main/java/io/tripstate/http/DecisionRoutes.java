package io.tripstate.http;

import io.tripstate.breaker.Names;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The decision API, for services that cannot use the event bus: {@code POST /breakers/{name}/acquire} answers
 * like the event-bus {@code acquire} ({@code {"name", "permitted", "state", "permit"}}, or
 * {@code "retry_after_ms"} instead of the permit when rejected), and {@code POST /breakers/{name}/record}
 * takes {@code {"outcome", "permit"?, "duration_ms"?}} and answers {@code {"name", "state"}}. Both require
 * {@code Authorization: Bearer <apiToken>} (401 otherwise; the admin token does not open them) and answer
 * 400 naming the field for a bad body, 413 over {@code maxBodyBytes}, and the API's codes otherwise (409 for a
 * permit already used, 429 past {@code maxBreakers}). Mountable like {@link StatusRoutes}.
 */
public final class DecisionRoutes {
  /** Names may contain '/', so the action is the last path segment and the name is everything before it. */
  static final String PATH = "/breakers/(?<name>.+)/(?<action>acquire|record)";

  private DecisionRoutes() {}

  /** The decision routes alone, asking the verticle on {@code address}; see {@link #mount}. */
  public static Router router(Vertx vertx, String address, String apiToken, long maxBodyBytes) {
    Router router = Router.router(vertx);
    mount(router, vertx, address, apiToken, maxBodyBytes);
    return router;
  }

  /**
   * Adds the decision routes to {@code router}.
   *
   * @param apiToken the bearer token the routes require; never logged
   * @param maxBodyBytes the largest request body accepted, bytes (413 beyond)
   */
  public static void mount(Router router, Vertx vertx, String address, String apiToken, long maxBodyBytes) {
    mount(router, new ApiCaller(vertx, address, DeliveryOptions.DEFAULT_TIMEOUT), apiToken, maxBodyBytes);
  }

  static void mount(Router router, ApiCaller api, String apiToken, long maxBodyBytes) {
    GuardedRoutes.mount(router, PATH, new BearerAuth(apiToken, "API token"), maxBodyBytes, ctx -> decide(ctx, api));
  }

  /**
   * Without an API token the decision paths are absent: they answer 404 saying how to turn them on (rather
   * than the 405 that the GET route of {@code /breakers/{name}} would give).
   */
  static void mountAbsent(Router router) {
    router.postWithRegex(PATH).handler(ctx -> Replies.error(ctx, 404,
        "the decision API is off: set http.apiToken (or TRIPSTATE_API_TOKEN) to serve it"));
  }

  private static void decide(RoutingContext ctx, ApiCaller api) {
    String name = ctx.pathParam("name");
    if (!Names.isValid(name)) {
      Replies.error(ctx, 400, StatusRoutes.INVALID_NAME);
      return;
    }
    boolean record = "record".equals(ctx.pathParam("action"));
    JsonObject request = new JsonObject().put("name", name);
    try {
      JsonObject body = Replies.jsonBody(ctx.body().buffer(), record
          ? "{\"outcome\": \"success\", \"permit\": \"...\", \"duration_ms\": 12}" : "{}");
      if (record) {
        // The name comes from the path; the API checks each field and names the one that is wrong.
        for (String field : new String[] {"outcome", "permit", "duration_ms"}) {
          if (body.containsKey(field)) {
            request.put(field, body.getValue(field));
          }
        }
      }
    } catch (IllegalArgumentException e) {
      Replies.error(ctx, 400, e.getMessage());
      return;
    }
    Replies.send(ctx, api, api.ask(record ? "record" : "acquire", request));
  }
}
