package io.tripstate.http;

import io.tripstate.BreakerClient;
import io.tripstate.breaker.Names;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

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
  private static final String PATH = "/breakers/(?<name>.+)/(?<action>reset|force-open|disable)";
  private static final String CHALLENGE = "Bearer realm=\"tripstate\"";

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
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("the admin token must be a non-empty string");
    }
    if (maxBodyBytes < 1) {
      throw new IllegalArgumentException("maxBodyBytes must be at least 1, was " + maxBodyBytes);
    }
    BreakerClient client = BreakerClient.create(vertx, address);
    byte[] expected = sha256(token);
    // Two routes, because vertx-web puts a body handler first on its route: this way the token is checked
    // (synchronously, so no body is lost) before a body is read, and a stranger gets no buffer of ours.
    router.postWithRegex(PATH).handler(ctx -> authorize(ctx, expected));
    router.postWithRegex(PATH)
        .handler(BodyHandler.create(false).setBodyLimit(maxBodyBytes))
        .handler(ctx -> act(ctx, client))
        .failureHandler(ctx -> failed(ctx, maxBodyBytes));
  }

  private static void authorize(RoutingContext ctx, byte[] expected) {
    String presented = bearerToken(ctx.request().getHeader(HttpHeaders.AUTHORIZATION));
    // Digests have a fixed length, so the comparison's time says nothing about the token's length either.
    if (presented == null || !MessageDigest.isEqual(expected, sha256(presented))) {
      ctx.response().putHeader("WWW-Authenticate", CHALLENGE);
      StatusRoutes.error(ctx, 401, presented == null
          ? "missing bearer token: send 'Authorization: Bearer <token>'" : "invalid bearer token");
      return;
    }
    ctx.next();
  }

  private static void act(RoutingContext ctx, BreakerClient client) {
    String name = ctx.pathParam("name");
    String action = ctx.pathParam("action");
    if (!Names.isValid(name)) {
      StatusRoutes.error(ctx, 400, "invalid breaker name: use 1 to 128 of A-Z a-z 0-9 . _ : @ / -");
      return;
    }
    JsonObject body;
    Long durationMs;
    try {
      body = jsonBody(ctx.body().buffer());
      durationMs = "force-open".equals(action) ? durationMs(body) : null;
    } catch (IllegalArgumentException e) {
      StatusRoutes.error(ctx, 400, e.getMessage());
      return;
    }
    Future<JsonObject> reply = switch (action) {
      case "reset" -> client.reset(name);
      case "force-open" -> client.forceOpen(name, durationMs);
      default -> client.disable(name);
    };
    StatusRoutes.send(ctx, reply.onSuccess(snapshot -> LOG.log(Level.INFO,
        "Breaker ''{0}'': {1} by an admin over HTTP from {2}", name, action, ctx.request().remoteAddress())));
  }

  /** The body as a JSON object; an empty body is an empty object. */
  private static JsonObject jsonBody(Buffer raw) {
    if (raw == null || raw.length() == 0) {
      return new JsonObject();
    }
    Object value;
    try {
      value = Json.decodeValue(raw);
    } catch (DecodeException e) {
      throw new IllegalArgumentException("the body is not valid JSON; send a JSON object or nothing");
    }
    if (!(value instanceof JsonObject json)) {
      throw new IllegalArgumentException("the body must be a JSON object, like {\"duration_ms\": 60000}");
    }
    return json;
  }

  /** The optional whole number {@code duration_ms}; its range is the API's to check. */
  private static Long durationMs(JsonObject body) {
    Object value = body.getValue("duration_ms");
    if (value == null) {
      return null;
    }
    if (value instanceof Number number && number.doubleValue() == Math.rint(number.doubleValue())
        && Math.abs(number.doubleValue()) < 1e15) {
      return number.longValue();
    }
    throw new IllegalArgumentException("'duration_ms' must be a whole number of milliseconds >= 1");
  }

  private static void failed(RoutingContext ctx, long maxBodyBytes) {
    if (ctx.response().ended()) {
      return;
    }
    if (ctx.statusCode() == 413) {
      StatusRoutes.error(ctx, 413, "the request body is larger than " + maxBodyBytes + " bytes (http.maxBodyBytes)");
    } else if (ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      StatusRoutes.error(ctx, ctx.statusCode(), "bad request");
    } else {
      LOG.log(Level.ERROR, "Admin request " + ctx.request().method() + " " + ctx.request().path() + " failed",
          ctx.failure());
      StatusRoutes.error(ctx, 500, "internal error");
    }
  }

  /** The credentials of an {@code Authorization: Bearer <token>} header, or {@code null}. */
  private static String bearerToken(String header) {
    if (header == null || header.length() < 7 || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    String token = header.substring(7).strip();
    return token.isEmpty() ? null : token;
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required by every Java platform", e);
    }
  }
}
