package io.tripstate;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.Outcome;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Sends the outcomes of fast-path calls to the verticle without waiting, batched: the outcomes recorded in
 * one event-loop turn leave as one {@code record_batch} message at the end of it. Safe from any thread.
 *
 * <p>It counts the outcomes the verticle has not yet confirmed; past {@code limit} it reports itself
 * saturated and the client stops using the fast path until the verticle caught up, so a caller that produces
 * outcomes faster than the verticle takes them is slowed down instead of filling the heap.
 */
final class OutcomeBatcher {
  private static final int MAX_BATCH = 1_000;
  /** Unconfirmed outcomes beyond which the fast path pauses. */
  static final int DEFAULT_LIMIT = 10_000;

  private final Vertx vertx;
  private final String address;
  private final ConcurrentLinkedQueue<JsonObject> pending = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();
  private final AtomicInteger unconfirmed = new AtomicInteger();
  private final DeliveryOptions options = new DeliveryOptions().addHeader("action", "record_batch");
  private final int limit;

  OutcomeBatcher(Vertx vertx, String address, int limit) {
    this.vertx = vertx;
    this.address = address;
    this.limit = limit;
  }

  /** Whether too many outcomes wait for the verticle: callers should go through it until it caught up. */
  boolean saturated() {
    return unconfirmed.get() >= limit;
  }

  void add(String name, Outcome outcome, long durationMs) {
    unconfirmed.incrementAndGet();
    pending.add(new JsonObject().put("name", name).put("outcome", outcome.wireName())
        .put("permit", Long.toString(Breaker.UNTRACKED_PERMIT)).put("duration_ms", durationMs));
    if (scheduled.compareAndSet(false, true)) {
      Context context = Vertx.currentContext();
      (context != null ? context : vertx.getOrCreateContext()).runOnContext(v -> flush());
    }
  }

  private void flush() {
    scheduled.set(false);
    JsonArray batch = new JsonArray();
    for (JsonObject record = pending.poll(); record != null; record = pending.poll()) {
      batch.add(record);
      if (batch.size() == MAX_BATCH) {
        send(batch);
        batch = new JsonArray();
      }
    }
    if (!batch.isEmpty()) {
      send(batch);
    }
  }

  private void send(JsonArray batch) {
    int size = batch.size();
    // A request, not a send: its answer says the verticle took these outcomes, which frees the fast path.
    vertx.eventBus().request(address, new JsonObject().put("records", batch), options)
        .onComplete(answer -> unconfirmed.addAndGet(-size));
  }
}
