package io.tripstate.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.support.Bus;
import io.tripstate.support.MutableClock;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** persistence.ackAfterWrite: a reply that reports a transition waits until Redis holds it. */
@ExtendWith(VertxExtension.class)
class AckAfterWriteIntegrationTest {
  private final MutableClock clock = MutableClock.startingNow();
  @AutoClose
  private final RedisServerProcess redis = RedisServerProcess.start();


  private JsonObject config(boolean ackAfterWrite) {
    JsonObject config = Deployments.config(redis.url());
    config.getJsonObject("persistence").put("ackAfterWrite", ackAfterWrite).put("commandTimeoutMs", 400);
    return config;
  }

  @Test
  void theReplyToATransitionComesAfterRedisHoldsTheSnapshot(Vertx vertx) {
    JsonObject config = config(true);
    Bus bus = Deployments.serve(vertx, config, clock);

    JsonObject first = bus.record("acked", "failure");
    JsonObject opening = bus.record("acked", "failure");
    JsonObject stored = Deployments.stored(config, "acked");

    assertThat(first.containsKey("snapshot")).as("no transition, nothing to wait for").isFalse();
    assertThat(opening.getString("state")).isEqualTo("open");
    assertThat(opening.getString("snapshot")).isEqualTo("written");
    assertThat(stored.getString("state")).as("already in Redis when the reply arrived").isEqualTo("open");
    assertThat(bus.send("reset", new JsonObject().put("name", "acked")).getString("snapshot"))
        .isEqualTo("written");
  }

  @Test
  void aStalledRedisDelaysTheReplyByAtMostTheCommandTimeoutAndSaysPending(Vertx vertx) {
    JsonObject config = config(true);
    Bus bus = Deployments.serve(vertx, config, clock);
    bus.record("stalled", "failure");
    redis.pause();
    try {
      long started = System.nanoTime();
      JsonObject opening = bus.record("stalled", "failure");
      long waitedMs = (System.nanoTime() - started) / 1_000_000;

      assertThat(opening.getString("snapshot")).isEqualTo("pending");
      assertThat(waitedMs).isBetween(300L, 2_000L);
    } finally {
      redis.resume();
    }
    Bus.eventually(() -> Deployments.stored(config, "stalled") != null, "the pending snapshot lands");
  }

  @Test
  void withoutAckAfterWriteRepliesCarryNoSnapshotField(Vertx vertx) {
    JsonObject config = config(false);
    Bus bus = Deployments.serve(vertx, config, clock);

    bus.record("plain", "failure");

    assertThat(bus.record("plain", "failure").containsKey("snapshot")).isFalse();
  }
}
