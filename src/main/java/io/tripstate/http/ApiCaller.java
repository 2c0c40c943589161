package io.tripstate.http;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import io.vertx.core.json.JsonObject;

/**
 * How the routes reach the verticle: one event-bus request per HTTP request, the action in the
 * {@code action} header. The routes talk to the breakers only through this, never to the verticle's
 * objects, so they are safe on any thread and on any server of the app, and {@code http/} needs nothing
 * from the root package.
 */
final class ApiCaller {
  private final Vertx vertx;
  private final String address;
  private final long timeoutMs;

  /** @param timeoutMs how long a route waits for the verticle, milliseconds (answered 504 beyond) */
  ApiCaller(Vertx vertx, String address, long timeoutMs) {
    if (timeoutMs < 1) {
      throw new IllegalArgumentException("the request timeout must be at least 1 ms, was " + timeoutMs);
    }
    this.vertx = vertx;
    this.address = address;
    this.timeoutMs = timeoutMs;
  }

  /** Sends one request; fails with the {@code ReplyException} of the event bus. */
  Future<JsonObject> ask(String action, JsonObject body) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeoutMs).addHeader("action", action);
    return vertx.eventBus().<JsonObject>request(address, body, options).map(Message::body);
  }

  /** A request that names one breaker and nothing else. */
  Future<JsonObject> ask(String action, String name) {
    return ask(action, new JsonObject().put("name", name));
  }

  Vertx vertx() {
    return vertx;
  }

  String address() {
    return address;
  }

  long timeoutMs() {
    return timeoutMs;
  }
}
