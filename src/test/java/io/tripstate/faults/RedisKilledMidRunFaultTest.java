package io.tripstate.faults;

import static io.tripstate.support.Bus.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.support.MutableClock;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.Map;
import java.util.stream.Collectors;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Redis killed with SIGKILL mid-run and restarted empty (it keeps nothing on disk): every snapshot ever
 * written must be in Redis again within 10 s of its return, also those of breakers that did not change
 * while it was away. Default timings (retry and probe every 1 s, command timeout 1 s).
 */
@ExtendWith(VertxExtension.class)
class RedisKilledMidRunFaultTest {
  /** Breakers per state; {@code -Dtripstate.faults.perState=600} runs the same scenario with 3,000 breakers. */
  private static final int PER_STATE = Integer.getInteger("tripstate.faults.perState", 40);
  private final MutableClock clock = MutableClock.startingNow();
  @AutoClose
  private final RedisServerProcess redis = RedisServerProcess.start();


  @Test
  void redisRestartedEmptyHoldsEverySnapshotAgainWithinTenSeconds(Vertx vertx) {
    // Given 200 breakers in five states, every snapshot written
    FaultDeployment.warmUp(vertx, redis);
    try (FaultDeployment app = FaultDeployment.deploy(vertx, redis, FaultDeployment.config(redis), clock)) {
      for (int i = 0; i < PER_STATE; i++) {
        app.record("half-open-" + i, "failure");
        app.record("half-open-" + i, "failure");
      }
      clock.advanceMillis(61_000);
      for (int i = 0; i < PER_STATE; i++) {
        assertThat(app.send("acquire", "half-open-" + i).getString("state")).isEqualTo("half_open");
        app.record("counting-" + i, "failure");
        app.record("open-" + i, "failure");
        app.record("open-" + i, "failure");
        app.send("force_open", "forced-" + i);
        app.send("disable", "disabled-" + i);
      }
      Map<String, JsonObject> before = app.snapshots();
      assertThat(before).hasSize(5 * PER_STATE);
      assertThat(before.values().stream().collect(Collectors.groupingBy(s -> s.getString("state"),
          Collectors.counting()))).containsOnlyKeys("half_open", "closed", "open", "forced_open", "disabled");
      app.awaitRedisHoldsEverySnapshot(10_000);
      long failedWhileHealthy = app.persistence().getLong("failed_writes");
      double setupLagMs = app.probe.endPhase();

      // When Redis is killed and at once restarted empty: no write failed meanwhile, only its run id tells
      redis.kill();
      redis.restart();
      long quietRestartMs = app.awaitRedisHoldsEverySnapshot(10_000);
      long failedInQuietRestart = app.persistence().getLong("failed_writes") - failedWhileHealthy;
      // Nothing changed here; each rewrite is a write the store accepted, so each version is one up
      Map<String, JsonObject> after = app.snapshots();
      assertThat(withoutVersions(after)).as("nothing changed here").isEqualTo(withoutVersions(before));
      assertThat(after).allSatisfy((name, snapshot) -> assertThat(snapshot.getLong("version"))
          .as("version of %s", name).isEqualTo(before.get(name).getLong("version") + 1));
      double quietLagMs = app.probe.endPhase();

      // And when it is killed again, 20 breakers change while it is away, and it comes back empty
      redis.kill();
      for (int i = 0; i < PER_STATE / 4; i++) {
        app.send("reset", "open-" + i);
        app.send("force_open", "counting-" + i);
      }
      eventually(() -> !app.persistence().getBoolean("connected"), "the outage noticed");
      JsonObject during = app.persistence();
      redis.restart();
      long outageRestartMs = app.awaitRedisHoldsEverySnapshot(10_000);
      long failedInOutage = app.persistence().getLong("failed_writes") - failedWhileHealthy - failedInQuietRestart;
      double outageLagMs = app.probe.endPhase();

      System.out.printf("[faults] killed mid-run: Redis held all %d snapshots again %d ms after a quiet restart and "
              + "%d ms after a restart with %d pending; failed_writes: %d while setting up (Redis healthy), %d in the "
              + "quiet restart, %d in the outage; slowest reply %.2f ms; lag setup %.1f / quiet restart %.1f / outage "
              + "%.1f ms; %s%n", before.size(), quietRestartMs, outageRestartMs, during.getInteger("pending_writes"),
          failedWhileHealthy, failedInQuietRestart, failedInOutage, app.slowestReplyMs(), setupLagMs, quietLagMs,
          outageLagMs, app.probe.summary());

      // Then (awaitRedisHoldsEverySnapshot asserted the contents) nothing is pending and the loop never blocked;
      // a healthy Redis fails no write, and a restart costs at most about one failed write per breaker
      SoftAssertions soft = new SoftAssertions();
      soft.assertThat(during.getInteger("pending_writes")).isEqualTo(PER_STATE / 2);
      soft.assertThat(app.probe.worstLagMs()).as("worst event-loop lag, ms").isLessThan(500);
      soft.assertThat(failedWhileHealthy).as("writes failed while Redis was healthy (setting up %d breakers)",
          before.size()).isZero();
      soft.assertThat(failedInQuietRestart).as("writes failed around a quiet restart of Redis (%d breakers)",
          before.size()).isLessThanOrEqualTo(before.size());
      soft.assertAll();
      eventually(() -> app.persistence().getInteger("pending_writes") == 0, "nothing pending");
    }
  }

  private static Map<String, JsonObject> withoutVersions(Map<String, JsonObject> snapshots) {
    return snapshots.entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> {
      JsonObject copy = e.getValue().copy();
      copy.remove("version");
      return copy;
    }));
  }
}
