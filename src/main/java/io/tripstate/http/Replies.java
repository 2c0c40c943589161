package io.tripstate.http;

import io.vertx.core.Future;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.eventbus.ReplyFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * The answers every route shares: the verticle's reply as JSON, its failure codes as HTTP statuses, and
 * {@code {"error", "code"}} for everything refused.
 */
final class Replies {
  private static final Logger LOG = System.getLogger(Replies.class.getName());

  private Replies() {}

  /**
   * Answers with the reply as JSON (503 when it says {@code DOWN}); an API failure code (400-599) becomes
   * the status; a request the verticle did not answer in time is 504 (the gateway timed out); no verticle
   * listening is 503.
   */
  static void send(RoutingContext ctx, ApiCaller api, Future<JsonObject> reply) {
    reply.onComplete(result -> {
      if (result.succeeded()) {
        int status = "DOWN".equals(result.result().getString("status")) ? 503 : 200;
        json(ctx, status, result.result());
        return;
      }
      Throwable cause = result.cause();
      ReplyException failure = cause instanceof ReplyException e ? e : null;
      if (failure != null && failure.failureType() == ReplyFailure.RECIPIENT_FAILURE
          && failure.failureCode() >= 400 && failure.failureCode() < 600) {
        error(ctx, failure.failureCode(), failure.getMessage());
      } else if (failure != null && failure.failureType() == ReplyFailure.TIMEOUT) {
        error(ctx, 504, "tripstate did not answer within " + api.timeoutMs() + " ms on event-bus address '"
            + api.address() + "'");
      } else if (failure != null && failure.failureType() == ReplyFailure.NO_HANDLERS) {
        error(ctx, 503, "tripstate is not running: nothing listens on event-bus address '" + api.address() + "'");
      } else {
        error(ctx, 503, "tripstate is not answering: " + cause.getMessage());
      }
    });
  }

  static void json(RoutingContext ctx, int status, JsonObject body) {
    ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body.encode());
  }

  /** Answers {@code {"error": message, "code": status}}. */
  static void error(RoutingContext ctx, int status, String message) {
    json(ctx, status, new JsonObject().put("error", message).put("code", status));
  }

  /** The request body as a JSON object; an empty body is an empty object. */
  static JsonObject jsonBody(Buffer raw, String example) {
    if (raw == null || raw.length() == 0) {
      return new JsonObject();
    }
    Object value;
    try {
      value = Json.decodeValue(raw);
    } catch (DecodeException e) {
      throw new IllegalArgumentException("the body is not valid JSON; send a JSON object like " + example);
    }
    if (!(value instanceof JsonObject json)) {
      throw new IllegalArgumentException("the body must be a JSON object, like " + example);
    }
    return json;
  }

  /** The failure handler of routes with a body: 413 over the limit, the 4xx of vertx-web, else a logged 500. */
  static void failed(RoutingContext ctx, long maxBodyBytes) {
    if (ctx.response().ended()) {
      return;
    }
    if (ctx.statusCode() == 413) {
      error(ctx, 413, "the request body is larger than " + maxBodyBytes + " bytes (http.maxBodyBytes)");
    } else if (ctx.statusCode() >= 400 && ctx.statusCode() < 500) {
      error(ctx, ctx.statusCode(), "bad request");
    } else {
      LOG.log(Level.ERROR, "HTTP request " + ctx.request().method() + " " + ctx.request().path() + " failed",
          ctx.failure());
      error(ctx, 500, "internal error");
    }
  }
}
