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

/**
 * Sends the outcomes of fast-path calls to the verticle without waiting, batched: the outcomes recorded in
 * one event-loop turn leave as one {@code record_batch} message at the end of it. Safe from any thread.
 */
final class OutcomeBatcher {
  private static final int MAX_BATCH = 1_000;

  private final Vertx vertx;
  private final String address;
  private final ConcurrentLinkedQueue<JsonObject> pending = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean scheduled = new AtomicBoolean();

  OutcomeBatcher(Vertx vertx, String address) {
    this.vertx = vertx;
    this.address = address;
  }

  void add(String name, Outcome outcome, long durationMs) {
    pending.add(new JsonObject().put("name", name).put("outcome", outcome.wireName())
        .put("permit", Long.toString(Breaker.UNTRACKED_PERMIT)).put("duration_ms", durationMs));
    if (scheduled.compareAndSet(false, true)) {
      Context context = Vertx.currentContext();
      (context != null ? context : vertx.getOrCreateContext()).runOnContext(v -> flush());
    }
  }

  private void flush() {
    scheduled.set(false);
    DeliveryOptions options = new DeliveryOptions().addHeader("action", "record_batch");
    JsonArray batch = new JsonArray();
    for (JsonObject record = pending.poll(); record != null; record = pending.poll()) {
      batch.add(record);
      if (batch.size() == MAX_BATCH) {
        vertx.eventBus().send(address, new JsonObject().put("records", batch), options);
        batch = new JsonArray();
      }
    }
    if (!batch.isEmpty()) {
      vertx.eventBus().send(address, new JsonObject().put("records", batch), options);
    }
  }
}
