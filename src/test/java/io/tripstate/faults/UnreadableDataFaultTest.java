package io.tripstate.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.support.MutableClock;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Unreadable values under snapshot keys, beyond what PersistenceIntegrationTest covers (one each of bad JSON,
 * wrong types, unknown state, another Redis type): 5 MB values, which must be refused without parsing and
 * without stalling the event loop, and many keys of another Redis type at once.
 */
@ExtendWith(VertxExtension.class)
class UnreadableDataFaultTest {
  private static final int FIVE_MB = 5 * 1024 * 1024;
  // Held strongly: java.util.logging keeps loggers only weakly.
  private final Logger storeLogger = Logger.getLogger("io.tripstate.store.RedisSnapshotStore");
  private final List<LogRecord> warnings = new CopyOnWriteArrayList<>();
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      if (record.getLevel().intValue() >= Level.WARNING.intValue()) {
        warnings.add(record);
      }
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
  };
  @AutoClose
  private final RedisServerProcess redis = RedisServerProcess.start();

  @BeforeEach
  void captureWarnings() {
    storeLogger.addHandler(capture);
  }

  @AfterEach
  void stopRedis() {
    storeLogger.removeHandler(capture);
  }

  @Test
  void fiveMegabyteValuesAreSkippedWithAWarningNamingTheKeyAndTheDeploymentSucceeds(Vertx vertx) {
    // Given two 5 MB values and one good snapshot under the verticle's keys
    FaultDeployment.warmUp(vertx, redis);
    JsonObject config = FaultDeployment.config(redis);
    String prefix = config.getJsonObject("persistence").getString("keyPrefix");
    String garbageKey = prefix + "garbage:state";
    String paddedKey = prefix + "padded:state";
    redis.command("SET", garbageKey, "x".repeat(FIVE_MB));
    redis.command("SET", paddedKey, new JsonObject().put("state", "open").put("failure_count", 1)
        .put("opened_at", 1.0).put("version", 3).put("padding", "y".repeat(FIVE_MB)).encode());
    redis.command("SET", prefix + "fine:state", new JsonObject().put("state", "closed").put("failure_count", 2)
        .put("version", 5).encode());

    // When the verticle deploys
    try (FaultDeployment app = FaultDeployment.deploy(vertx, redis, config, MutableClock.startingNow())) {
      JsonObject persistence = app.persistence();
      System.out.printf("[faults] 5 MB values: deployed in %d ms; skipped %d; %s%n", app.deployMs,
          persistence.getInteger("skipped_snapshots"), app.probe.summary());

      // Then both are skipped and counted, each with a WARN naming its key, and the readable one is restored
      assertThat(persistence.getBoolean("restored")).isTrue();
      assertThat(persistence.getInteger("skipped_snapshots")).isEqualTo(2);
      assertThat(app.snapshots()).containsOnlyKeys("fine");
      assertThat(app.bus.status("fine").getInteger("failure_count")).isEqualTo(2);
      assertThat(warnings).extracting(FaultDeployment::formatted)
          .anySatisfy(line -> assertThat(line).contains(garbageKey))
          .anySatisfy(line -> assertThat(line).contains(paddedKey))
          .allSatisfy(line -> assertThat(line).hasSizeLessThan(1_000));
      assertThat(app.probe.worstLagMs()).as("worst event-loop lag, ms").isLessThan(500);
    }
  }

  @Test
  void manyKeysOfAnotherRedisTypeAreSkippedAndTheReadableSnapshotsStillRestored(Vertx vertx) {
    // Given 100 hashes (another Redis type) and 50 readable snapshots under the verticle's keys
    FaultDeployment.warmUp(vertx, redis);
    JsonObject config = FaultDeployment.config(redis);
    String prefix = config.getJsonObject("persistence").getString("keyPrefix");
    for (int i = 0; i < 100; i++) {
      redis.command("HSET", prefix + "hash-" + i + ":state", "state", "open");
    }
    for (int i = 0; i < 50; i++) {
      redis.command("SET", prefix + "fine-" + i + ":state", new JsonObject().put("state", "closed")
          .put("failure_count", 1).put("version", 3).encode());
    }

    // When the verticle deploys
    try (FaultDeployment app = FaultDeployment.deploy(vertx, redis, config, MutableClock.startingNow())) {
      JsonObject persistence = app.persistence();
      System.out.printf("[faults] 100 hashes: deployed in %d ms; restored %s, %d breakers, skipped %d, last_error %s; "
              + "%s%n", app.deployMs, persistence.getBoolean("restored"), app.snapshots().size(),
          persistence.getInteger("skipped_snapshots"), persistence.getString("last_error"), app.probe.summary());

      // Then every hash is skipped and counted, and every readable snapshot restored
      assertThat(persistence.getBoolean("restored")).as("restored (last_error %s)", persistence.getString("last_error"))
          .isTrue();
      assertThat(persistence.getInteger("skipped_snapshots")).isEqualTo(100);
      assertThat(app.snapshots()).hasSize(50);
      assertThat(warnings).hasSize(100);
      assertThat(app.probe.worstLagMs()).as("worst event-loop lag, ms").isLessThan(500);
    }
  }
}
