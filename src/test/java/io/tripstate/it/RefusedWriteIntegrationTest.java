package io.tripstate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tripstate.support.Bus;
import io.tripstate.support.MutableClock;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A write that Redis refuses because another writer moved the key on (e.g. an older instance still flushing in
 * a rolling deploy) is never reported as written (issue 9, problem 3): the instance reconciles with what Redis
 * holds, and afterwards the two agree.
 */
@ExtendWith(VertxExtension.class)
class RefusedWriteIntegrationTest {
  private final MutableClock clock = MutableClock.startingNow();
  @AutoClose
  private final RedisServerProcess redis = RedisServerProcess.start();

  private JsonObject config() {
    JsonObject config = Deployments.config(redis.url())
        .put("defaults", new JsonObject().put("failureThreshold", 2).put("resetTimeoutMs", 60_000));
    config.getJsonObject("persistence").put("ackAfterWrite", true);
    return config;
  }

  private JsonObject stored(JsonObject config, String name) {
    String value = redis.command("GET", Deployments.key(config, name));
    return value == null ? null : new JsonObject(value);
  }

  /** Another writer's snapshot of a breaker, with a version far above this instance's. */
  private void writeElsewhere(JsonObject config, String name, String state, long version) {
    JsonObject value = new JsonObject().put("name", name).put("state", state).put("failure_count", 0)
        .put("half_open_attempts", 0).put("version", version).put("updated_at", clock.millis() / 1000.0);
    redis.command("SET", Deployments.key(config, name), value.encode());
  }

  /** Given a breaker that counted a failure here, once Redis holds that snapshot. */
  private Bus counted(Vertx vertx, JsonObject config, String name) {
    Bus bus = Deployments.serve(vertx, config, clock);
    bus.record(name, "failure");
    await().atMost(Duration.ofSeconds(5)).until(() -> stored(config, name) != null);
    return bus;
  }

  @Test
  void aLocalTransitionRefusedOverAnotherWritersAutomaticStateIsRewrittenAboveItBeforeTheReplySaysWritten(
      Vertx vertx) {
    JsonObject config = config();
    Bus bus = counted(vertx, config, "contested");
    // and another writer's closed snapshot at version 50
    writeElsewhere(config, "contested", "closed", 50);

    // When the breaker opens here (its write is based on the version this instance saw, so Redis refuses it)
    JsonObject reply = bus.record("contested", "failure");

    // Then the reply says written only once Redis holds the open state, written above the other writer's version
    assertThat(reply.getString("state")).isEqualTo("open");
    assertThat(reply.getString("snapshot")).isEqualTo("written");
    JsonObject inRedis = stored(config, "contested");
    assertThat(inRedis.getString("state")).isEqualTo("open");
    assertThat(inRedis.getLong("version")).isEqualTo(51);
    assertThat(bus.status("contested").getLong("version")).isEqualTo(51);
    assertThat(bus.statusAll().getJsonObject("persistence").getLong("stale_writes")).isEqualTo(1);
  }

  @Test
  void aLocalAutomaticTransitionRefusedOverAStoredOperatorStateGivesWayAndTheReplySaysSuperseded(Vertx vertx) {
    JsonObject config = config();
    Bus bus = counted(vertx, config, "maintained");
    // and an operator's forced_open written elsewhere
    writeElsewhere(config, "maintained", "forced_open", 50);

    // When the breaker opens here by itself
    JsonObject reply = bus.record("maintained", "failure");

    // Then the reply says the operator's state won, and the instance follows Redis
    assertThat(reply.getString("snapshot")).isEqualTo("superseded");
    JsonObject status = bus.status("maintained");
    assertThat(status.getString("state")).isEqualTo("forced_open");
    assertThat(status.getLong("version")).isEqualTo(50);
    assertThat(bus.acquire("maintained").getBoolean("permitted")).isFalse();
    assertThat(stored(config, "maintained").getString("state")).isEqualTo("forced_open");
    assertThat(stored(config, "maintained").getLong("version")).isEqualTo(50);
  }

  @Test
  void aCounterWriteRefusedBecauseAnotherWriterMovedOnAdoptsWhatRedisHolds(Vertx vertx) {
    JsonObject config = config();
    Bus bus = counted(vertx, config, "moved-on");
    // and another writer's open snapshot at version 50
    JsonObject open = new JsonObject().put("name", "moved-on").put("state", "open").put("failure_count", 2)
        .put("opened_at", clock.millis() / 1000.0).put("half_open_attempts", 0).put("version", 50)
        .put("updated_at", clock.millis() / 1000.0).put("open_timeout_ms", 60_000);
    redis.command("SET", Deployments.key(config, "moved-on"), open.encode());

    // When a success here resets the count (a counter-only write, refused by Redis)
    bus.record("moved-on", "success");

    // Then the instance takes the stored open state, and Redis keeps it
    await().atMost(Duration.ofSeconds(5)).until(() -> "open".equals(bus.status("moved-on").getString("state")));
    assertThat(bus.status("moved-on").getLong("version")).isEqualTo(50);
    assertThat(bus.acquire("moved-on").getBoolean("permitted")).isFalse();
    assertThat(stored(config, "moved-on").getString("state")).isEqualTo("open");
  }
}
