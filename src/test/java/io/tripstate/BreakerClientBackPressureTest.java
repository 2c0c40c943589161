package io.tripstate;

import static io.tripstate.support.Bus.await;
import static io.tripstate.support.Bus.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.Outcome;
import io.tripstate.engine.VertxScheduler;
import io.tripstate.fastpath.LocalView;
import io.tripstate.fastpath.OutcomeQueue;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The fast path's back-pressure, against a view published by the test (not a verticle) so that the queue's
 * owner is a context the test controls: while the test runs on it, nothing drains the queue.
 */
@ExtendWith(VertxExtension.class)
class BreakerClientBackPressureTest {
  private static final String ADDRESS = "bp.view";

  private final List<Outcome> drained = new CopyOnWriteArrayList<>();
  private final Map<String, AtomicInteger> actions = new ConcurrentHashMap<>();
  private Context owner;
  private BreakerClient client;

  /** A stand-in owner: a view with one closed breaker, a queue of capacity 2, and an API that permits. */
  @BeforeEach
  void publishView(Vertx vertx) {
    owner = vertx.getOrCreateContext();
    LocalView view = new LocalView(Clock.systemUTC());
    view.update(new Breaker("paced", BreakerSettings.DEFAULTS, 0));
    vertx.eventBus().<JsonObject>consumer(ADDRESS, message -> {
      String action = message.headers().get("action");
      actions.computeIfAbsent(action, a -> new AtomicInteger()).incrementAndGet();
      message.reply(new JsonObject().put("name", "paced").put("permitted", true).put("state", "closed")
          .put("permit", "7"));
    });
    view.publish(vertx, ADDRESS, new OutcomeQueue(task -> owner.runOnContext(v -> task.run()),
        new VertxScheduler(vertx, Clock.systemUTC()), 2,
        (name, outcome, durationMs, count, nowMs) -> {
          for (int i = 0; i < count; i++) {
            drained.add(outcome);
          }
        }));
    client = BreakerClient.create(vertx, ADDRESS);
  }

  private int sent(String action) {
    return actions.getOrDefault(action, new AtomicInteger()).get();
  }

  @Test
  void whileTheQueueHasRoomExecuteSendsNothing() {
    for (int i = 0; i < 20; i++) {
      await(client.execute("paced", () -> Future.succeededFuture("ok")));
      int expected = i + 1;
      eventually(() -> drained.size() == expected, "outcome " + expected + " drained"); // room for the next
    }

    assertThat(actions).isEmpty();
    assertThat(drained).hasSize(20).containsOnly(Outcome.SUCCESS);
  }

  @Test
  void whenTheQueueIsFullExecuteGoesThroughTheVerticle() {
    List<Future<String>> calls = await(Future.<List<Future<String>>>future(promise -> owner.runOnContext(v -> {
      List<Future<String>> started = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        // Alternating outcomes, so that no two share a slot as a run.
        Future<String> result = i % 2 == 0 ? Future.succeededFuture("ok") : Future.failedFuture("boom");
        started.add(client.execute("paced", () -> result).recover(e -> Future.succeededFuture("ok")));
      }
      promise.complete(started);
    })));
    calls.forEach(call -> assertThat(await(call)).isEqualTo("ok"));

    // Two outcomes fit in the queue; the three calls after them asked the verticle and recorded over the bus.
    assertThat(sent("acquire")).isEqualTo(3);
    eventually(() -> sent("record") == 3, "three records over the event bus");
    eventually(() -> drained.size() == 2, "two outcomes drained from the queue");
  }
}
