package io.tripstate.it;

import static io.tripstate.support.Bus.eventually;
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

/** Redis down at deploy, stalled, killed and restarted: decisions go on and Redis catches up. */
@ExtendWith(VertxExtension.class)
class RedisOutageIntegrationTest {
  private final MutableClock clock = MutableClock.startingNow();
  @AutoClose
  private final RedisServerProcess redis = RedisServerProcess.startPersistent();


  private JsonObject stored(JsonObject config, String name) {
    String value = redis.command("GET", Deployments.key(config, name));
    return value == null ? null : new JsonObject(value);
  }

  @Test
  void deploysWithoutRedisThenRestoresLateWithoutLosingLocalTransitions(Vertx vertx) {
    JsonObject config = Deployments.config(redis.url()).put("defaults", new JsonObject().put("failureThreshold", 1)
        .put("resetTimeoutMs", 60_000));
    config.getJsonObject("persistence").put("restoreTimeoutMs", 500);
    double openedAt = (clock.millis() - 10_000) / 1000.0;
    redis.command("SET", Deployments.key(config, "remembered"), new JsonObject().put("state", "open")
        .put("failure_count", 3).put("opened_at", openedAt).put("half_open_attempts", 0).put("version", 9).encode());
    redis.command("SET", Deployments.key(config, "contested"), new JsonObject().put("state", "closed")
        .put("failure_count", 0).put("half_open_attempts", 0).put("version", 5).encode());
    redis.stop();

    long started = System.nanoTime();
    Deployments.deploy(vertx, config, clock);
    long deployMs = (System.nanoTime() - started) / 1_000_000;
    Bus bus = Deployments.bus(vertx, config);

    assertThat(deployMs).as("deploy time with Redis down").isLessThan(500 + 1_000);
    assertThat(bus.statusAll().getJsonObject("persistence").getBoolean("restored")).isFalse();
    assertThat(bus.record("contested", "failure").getString("state")).isEqualTo("open");
    assertThat(bus.record("local-only", "failure").getString("state")).isEqualTo("open");
    assertThat(bus.statusAll().getJsonObject("persistence").getInteger("pending_writes")).isEqualTo(2);

    redis.restart();

    eventually(() -> bus.statusAll().getJsonObject("persistence").getBoolean("restored"), "late restore");
    JsonObject remembered = bus.status("remembered");
    assertThat(remembered.getString("state")).isEqualTo("open");
    assertThat(remembered.getLong("retry_after_ms")).isEqualTo(50_000);
    assertThat(bus.status("contested").getString("state")).as("local transition kept").isEqualTo("open");
    eventually(() -> stored(config, "contested") != null && "open".equals(stored(config, "contested").getString("state")),
        "the local transition written over the older snapshot");
    assertThat(stored(config, "contested").getLong("version")).isGreaterThan(5);
    eventually(() -> stored(config, "local-only") != null, "the breaker created while Redis was away written");
    assertThat(stored(config, "local-only").getString("state")).isEqualTo("open");
    assertThat(stored(config, "remembered").getLong("version")).as("restore writes nothing").isEqualTo(9);
    eventually(() -> "UP".equals(bus.send("health", new JsonObject()).getString("persistence")), "persistence UP");
  }

  @Test
  void aBreakerStoredOpenStaysOpenAfterALateRestoreInWhichItOnlyCountedFailures(Vertx vertx) {
    // Given Redis holds a breaker open for another 50 s, and is down when the verticle deploys
    JsonObject config = Deployments.config(redis.url()).put("defaults", new JsonObject().put("failureThreshold", 5)
        .put("resetTimeoutMs", 60_000));
    config.getJsonObject("persistence").put("restoreTimeoutMs", 500);
    double openedAt = (clock.millis() - 10_000) / 1000.0;
    redis.command("SET", Deployments.key(config, "dependency"), new JsonObject().put("name", "dependency")
        .put("state", "open").put("failure_count", 5).put("opened_at", openedAt).put("half_open_attempts", 0)
        .put("version", 9).encode());
    redis.stop();
    Bus bus = Deployments.serve(vertx, config, clock);

    // When the breaker counts one failure here (no transition), and Redis comes back
    assertThat(bus.record("dependency", "failure").getString("state")).isEqualTo("closed");
    redis.restart();
    await().atMost(Duration.ofSeconds(10))
        .until(() -> bus.statusAll().getJsonObject("persistence").getBoolean("restored"));

    // Then the stored open state wins: the breaker rejects, and Redis still holds the open snapshot
    JsonObject status = bus.status("dependency");
    assertThat(status.getString("state")).isEqualTo("open");
    assertThat(status.getLong("retry_after_ms")).isEqualTo(50_000);
    assertThat(bus.acquire("dependency").getBoolean("permitted")).isFalse();
    await().atMost(Duration.ofSeconds(5))
        .until(() -> bus.statusAll().getJsonObject("persistence").getInteger("pending_writes") == 0);
    assertThat(stored(config, "dependency").getString("state")).isEqualTo("open");
    assertThat(stored(config, "dependency").getLong("version")).isEqualTo(9);
  }

  @Test
  void aBreakerStoredInTheOlderVersionlessFormIsTakenWhenItOnlyCountedHere(Vertx vertx) {
    // Given the older service's four-field form of an open breaker, in a Redis that is down at deploy
    JsonObject config = Deployments.config(redis.url()).put("defaults", new JsonObject().put("failureThreshold", 5)
        .put("resetTimeoutMs", 60_000));
    config.getJsonObject("persistence").put("restoreTimeoutMs", 500);
    double openedAt = (clock.millis() - 10_000) / 1000.0;
    redis.command("SET", Deployments.key(config, "legacy"), new JsonObject().put("state", "OPEN")
        .put("failure_count", 5).put("opened_at", openedAt).put("half_open_attempts", 0).encode());
    redis.stop();
    Bus bus = Deployments.serve(vertx, config, clock);

    // When it counts failures here, and Redis comes back
    bus.record("legacy", "failure");
    bus.record("legacy", "failure");
    redis.restart();
    await().atMost(Duration.ofSeconds(10))
        .until(() -> bus.statusAll().getJsonObject("persistence").getBoolean("restored"));

    // Then it is open as stored, and nothing overwrote the stored value with a closed one
    assertThat(bus.status("legacy").getString("state")).isEqualTo("open");
    await().atMost(Duration.ofSeconds(5))
        .until(() -> bus.statusAll().getJsonObject("persistence").getInteger("pending_writes") == 0);
    assertThat(stored(config, "legacy").getString("state")).isEqualToIgnoringCase("open");
  }

  @Test
  void aStalledRedisDelaysTheDeploymentByNoMoreThanTheRestoreTimeout(Vertx vertx) {
    JsonObject config = Deployments.config(redis.url());
    config.getJsonObject("persistence").put("restoreTimeoutMs", 500);
    redis.command("SET", Deployments.key(config, "stalled"), new JsonObject().put("state", "closed")
        .put("failure_count", 2).put("version", 4).encode());
    redis.pause();
    try {
      long started = System.nanoTime();
      Deployments.deploy(vertx, config, clock);
      long deployMs = (System.nanoTime() - started) / 1_000_000;
      Bus bus = Deployments.bus(vertx, config);

      assertThat(deployMs).as("deploy time with Redis stalled").isBetween(400L, 1_500L);
      assertThat(bus.acquire("fresh").getBoolean("permitted")).isTrue();
    } finally {
      redis.resume();
    }
    Bus bus = Deployments.bus(vertx, config);
    eventually(() -> bus.statusAll().getJsonObject("persistence").getBoolean("restored"), "late restore");
    assertThat(bus.status("stalled").getInteger("failure_count")).isEqualTo(2);
  }

  @Test
  void rewritesEverySnapshotWhenRedisRestartsEmpty(Vertx vertx) {
    RedisServerProcess volatileRedis = RedisServerProcess.start();
    try {
      JsonObject config = Deployments.config(volatileRedis.url());
      Bus bus = Deployments.serve(vertx, config, clock);
      bus.record("steady", "failure");
      bus.record("steady", "failure");
      String key = Deployments.key(config, "steady");
      eventually(() -> volatileRedis.command("GET", key) != null, "snapshot written");

      volatileRedis.kill();
      volatileRedis.restart();

      eventually(() -> volatileRedis.command("GET", key) != null, "snapshot rewritten after an empty restart");
      assertThat(new JsonObject(volatileRedis.command("GET", key)).getString("state")).isEqualTo("open");
    } finally {
      volatileRedis.close();
    }
  }

  @Test
  void aTransitionMadeWhileRedisIsDownLandsWhenItReturns(Vertx vertx) {
    JsonObject config = Deployments.config(redis.url());
    Bus bus = Deployments.serve(vertx, config, clock);
    redis.stop();

    bus.record("during-outage", "failure");
    assertThat(bus.record("during-outage", "failure").getString("state")).isEqualTo("open");
    eventually(() -> bus.statusAll().getJsonObject("persistence").getLong("failed_writes") > 0, "a failed write");
    JsonObject persistence = bus.statusAll().getJsonObject("persistence");
    assertThat(persistence.getBoolean("connected")).isFalse();
    assertThat(persistence.getInteger("pending_writes")).isEqualTo(1);
    assertThat(persistence.getString("last_error")).isNotBlank();
    assertThat(bus.send("health", new JsonObject()).getString("persistence")).isEqualTo("DOWN");

    redis.restart();

    eventually(() -> stored(config, "during-outage") != null, "the transition written after Redis returned");
    assertThat(stored(config, "during-outage").getString("state")).isEqualTo("open");
    eventually(() -> bus.statusAll().getJsonObject("persistence").getInteger("pending_writes") == 0, "nothing pending");
  }

  @Test
  void writesOnlyTransitionsAndOneCoalescedCounterWritePerFlushInterval(Vertx vertx) {
    JsonObject config = Deployments.config(redis.url()).put("defaults", new JsonObject().put("failureThreshold", 1000));
    config.getJsonObject("persistence").put("counterFlushMs", 500);
    Bus bus = Deployments.serve(vertx, config, clock);
    redis.command("CONFIG", "RESETSTAT");

    for (int i = 0; i < 100; i++) {
      bus.acquire("busy");
      bus.record("busy", "success");
    }
    for (int i = 0; i < 40; i++) {
      bus.record("busy", "failure");
    }
    eventually(() -> stored(config, "busy") != null && stored(config, "busy").getInteger("failure_count") == 40,
        "the coalesced count in Redis");

    long writes = scriptCalls();
    assertThat(writes).as("writes for 40 counter changes within about one flush interval").isBetween(1L, 3L);
  }

  private long scriptCalls() {
    long calls = 0;
    for (String line : redis.command("INFO", "commandstats").split("\r?\n")) {
      if (line.startsWith("cmdstat_evalsha:") || line.startsWith("cmdstat_eval:")) {
        calls += Long.parseLong(line.replaceAll(".*calls=(\\d+).*", "$1"));
      }
    }
    return calls;
  }
}
