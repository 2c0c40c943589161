package io.tripstate.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.support.MutableClock;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Redis down at deploy, with the default timeouts. RedisOutageIntegrationTest proves the late restore on two
 * breakers; this adds the loop's lag, decision latency while Redis is away, and that once it returns Redis
 * holds exactly the current snapshot of every breaker: stored-only, changed-here-only and contested ones.
 */
@ExtendWith(VertxExtension.class)
class RedisDownAtDeployFaultTest {
  private static final int SEEDED = 30;
  private final MutableClock clock = MutableClock.startingNow();
  @AutoClose
  private final RedisServerProcess redis = RedisServerProcess.startPersistent();


  @Test
  void deploysWithinTheRestoreTimeoutDecidesAndLandsEveryCurrentStateOnceRedisIsBack(Vertx vertx) {
    // Given snapshots in a Redis that is down when the verticle deploys (default timeouts: restore 3 s, retry 1 s)
    FaultDeployment.warmUp(vertx, redis);
    JsonObject config = FaultDeployment.config(redis);
    long restoreTimeoutMs = 3_000;
    String prefix = config.getJsonObject("persistence").getString("keyPrefix");
    double openedAt = (clock.millis() - 10_000) / 1000.0;
    for (int i = 0; i < SEEDED; i++) {
      JsonObject value = i % 2 == 0
          ? new JsonObject().put("state", "open").put("failure_count", 2).put("opened_at", openedAt).put("version", 7)
          : new JsonObject().put("state", "closed").put("failure_count", 1).put("version", 4);
      redis.command("SET", prefix + "seeded-" + i + ":state", value.encode());
    }
    redis.stop();

    // When it deploys, decides and changes breakers while Redis is down
    try (FaultDeployment app = FaultDeployment.deploy(vertx, redis, config, clock)) {
      for (int i = 0; i < SEEDED / 3; i++) {
        app.send("force_open", "seeded-" + i); // contested: the local change must win over the stored one
        app.send("disable", "local-" + i);     // unknown to Redis
        app.record("local-open-" + i, "failure");
        assertThat(app.record("local-open-" + i, "failure").getString("state")).isEqualTo("open");
      }
      assertThat(app.persistence().getBoolean("restored")).isFalse();

      long restarted = System.nanoTime();
      redis.restart();
      long landedMs = app.awaitRedisHoldsEverySnapshot(10_000);
      long sinceRestartMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - restarted);
      System.out.printf("[faults] down at deploy: deployed in %d ms; slowest reply %.2f ms; every snapshot in Redis "
          + "%d ms after it returned; %s%n", app.deployMs, app.slowestReplyMs(), sinceRestartMs, app.probe.summary());

      // Then the deployment did not wait longer than the restore timeout, and every current state is in Redis
      assertThat(app.deployMs).as("deploy time with Redis down").isLessThan(restoreTimeoutMs + 1_000);
      assertThat(landedMs).isNotNegative();
      Map<String, JsonObject> snapshots = app.snapshots();
      assertThat(snapshots).hasSize(SEEDED + 2 * (SEEDED / 3));
      assertThat(app.persistence().getBoolean("restored")).isTrue();
      assertThat(snapshots.get("seeded-0").getString("state")).as("local change wins").isEqualTo("forced_open");
      assertThat(snapshots.get("seeded-0").getLong("version")).isGreaterThan(7);
      assertThat(snapshots.get("seeded-" + (SEEDED - 2)).getString("state")).as("stored state taken").isEqualTo("open");
      assertThat(snapshots.get("seeded-" + (SEEDED - 2)).getLong("version")).as("restore writes nothing").isEqualTo(7);
      assertThat(app.probe.worstLagMs()).as("worst event-loop lag, ms").isLessThan(500);
    }
  }
}
