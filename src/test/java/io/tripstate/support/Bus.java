package io.tripstate.support;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.awaitility.Awaitility;

/** Blocking event-bus calls for test threads (never used on an event loop). */
public final class Bus {
  private final Vertx vertx;
  private final String address;

  public Bus(Vertx vertx, String address) {
    this.vertx = vertx;
    this.address = address;
  }

  /** Sends a request and returns the reply body; fails the test when the API refuses it. */
  public JsonObject send(String action, Object body) {
    return await(request(action, body));
  }

  /** Sends a request that the API must refuse; returns the failure. */
  public ReplyException refuse(String action, Object body) {
    try {
      JsonObject reply = await(request(action, body));
      throw new AssertionError("expected a failure for " + action + " " + body + " but got " + reply);
    } catch (CompletionException e) {
      assertThat(e.getCause()).isInstanceOf(ReplyException.class);
      return (ReplyException) e.getCause();
    } catch (ReplyException e) {
      return e;
    }
  }

  public JsonObject acquire(String name) {
    return send("acquire", new JsonObject().put("name", name));
  }

  public JsonObject record(String name, String outcome) {
    return send("record", new JsonObject().put("name", name).put("outcome", outcome));
  }

  public JsonObject status(String name) {
    return send("status", new JsonObject().put("name", name));
  }

  public JsonObject statusAll() {
    return send("status", new JsonObject());
  }

  private Future<JsonObject> request(String action, Object body) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(5_000);
    if (action != null) {
      options.addHeader("action", action);
    }
    return vertx.eventBus().<JsonObject>request(address, body, options).map(m -> m.body());
  }

  /** Awaits a future on the test thread, bounded to catch hangs. */
  public static <T> T await(Future<T> future) {
    return future.timeout(10, TimeUnit.SECONDS).await();
  }

  /**
   * Waits with Awaitility until a condition holds, at most 10 s, checking at once and then every 20 ms on this
   * thread; for effects that happen behind a reply.
   */
  public static void eventually(Supplier<Boolean> condition, String what) {
    Awaitility.await(what).atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
        .pollInSameThread().until(() -> Boolean.TRUE.equals(condition.get()));
  }
}
