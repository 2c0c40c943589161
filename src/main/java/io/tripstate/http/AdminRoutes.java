package io.tripstate.http;

import io.tripstate.breaker.Names;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * Admin HTTP routes: {@code POST /breakers/{name}/reset}, {@code POST /breakers/{name}/force-open} (optional
 * body {@code {"duration_ms": N}}) and {@code POST /breakers/{name}/disable}; names may contain {@code /}.
 * Each answers 200 with the breaker's snapshot, 401 without {@code Authorization: Bearer <token>}, 413 for a
 * body over {@code maxBodyBytes}, 400 for a body that is not a JSON object, and the API's failure codes
 * otherwise (404 for the reset of an unknown name). Like {@link StatusRoutes} they ask the verticle over the
 * event bus, so they can be mounted on any server of the app:
 * {@code mainRouter.route("/ops/*").subRouter(AdminRoutes.router(vertx, "tripstate", token, 65_536))}.
 */
public final class AdminRoutes {
  private static final Logger LOG = System.getLogger(AdminRoutes.class.getName());
  /** Names may contain '/', so the action is the last path segment and the name is everything before it. */
  static final String PATH = "/breakers/(?<name>.+)/(?<action>reset|force-open|disable)";

  private AdminRoutes() {}

  /** The admin routes alone, asking the verticle on {@code address}; see {@link #mount}. */
  public static Router router(Vertx vertx, String address, String token, long maxBodyBytes) {
    Router router = Router.router(vertx);
    mount(router, vertx, address, token, maxBodyBytes);
    return router;
  }

  /**
   * Adds the admin routes to {@code router} (e.g. the one of {@link StatusRoutes#router}).
   *
   * @param token the bearer token the routes require; never logged
   * @param maxBodyBytes the largest request body accepted, bytes (413 beyond)
   */
  public static void mount(Router router, Vertx vertx, String address, String token, long maxBodyBytes) {
    mount(router, new ApiCaller(vertx, address, DeliveryOptions.DEFAULT_TIMEOUT), token, maxBodyBytes);
  }

  static void mount(Router router, ApiCaller api, String token, long maxBodyBytes) {
    GuardedRoutes.mount(router, PATH, new BearerAuth(token, "admin token"), maxBodyBytes, ctx -> act(ctx, api));
  }

  /** Without an admin token the admin paths are absent: 404 saying how to turn them on. */
  static void mountAbsent(Router router) {
    router.postWithRegex(PATH).handler(ctx -> Replies.error(ctx, 404,
        "the admin routes are off: set http.adminToken (or TRIPSTATE_ADMIN_TOKEN) to serve them"));
  }

  private static void act(RoutingContext ctx, ApiCaller api) {
    String name = ctx.pathParam("name");
    String action = ctx.pathParam("action");
    if (!Names.isValid(name)) {
      Replies.error(ctx, 400, StatusRoutes.INVALID_NAME);
      return;
    }
    JsonObject request = new JsonObject().put("name", name);
    try {
      JsonObject body = Replies.jsonBody(ctx.body().buffer(), "{\"duration_ms\": 60000}");
      if ("force-open".equals(action) && body.getValue("duration_ms") != null) {
        request.put("duration_ms", durationMs(body.getValue("duration_ms")));
      }
    } catch (IllegalArgumentException e) {
      Replies.error(ctx, 400, e.getMessage());
      return;
    }
    Future<JsonObject> reply = api.ask(switch (action) {
      case "reset" -> "reset";
      case "force-open" -> "force_open";
      default -> "disable";
    }, request);
    Replies.send(ctx, api, reply.onSuccess(snapshot -> LOG.log(Level.INFO,
        "Breaker ''{0}'': {1} by an admin over HTTP from {2}", name, action, ctx.request().remoteAddress())));
  }

  /** The whole number {@code duration_ms}; its range is the API's to check. */
  private static long durationMs(Object value) {
    if (value instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())
        && Math.abs(number.doubleValue()) < 1e15) {
      return number.longValue();
    }
    throw new IllegalArgumentException("'duration_ms' must be a whole number of milliseconds >= 1");
  }
}
