package io.tripstate.it;

import static io.tripstate.support.Bus.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Snapshot;
import io.tripstate.config.PersistenceConfig;
import io.tripstate.store.RedisSnapshotStore;
import io.tripstate.store.SnapshotStore.WriteResult;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.RedisOptions;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Redis adapter on its own: the version rule and the command timeout. */
@ExtendWith(VertxExtension.class)
class RedisSnapshotStoreIntegrationTest {
  private static final long NOW = 1_700_000_000_000L;
  @AutoClose
  private final RedisServerProcess redis = RedisServerProcess.start();
  private final PersistenceConfig config =
      new PersistenceConfig(true, "store-test:", 86_400, 3_600, 1_000, 3_000, 1_000, 1_000, false);


  private RedisSnapshotStore store(Vertx vertx) {
    return new RedisSnapshotStore(vertx, new RedisOptions().setConnectionString(redis.url()), config);
  }

  private static Snapshot open(long version) {
    return new Snapshot("db", BreakerState.OPEN, 5, NOW, 0, version, NOW);
  }

  @Test
  void refusesASnapshotOlderThanTheStoredOne(Vertx vertx) {
    RedisSnapshotStore store = store(vertx);

    assertThat(await(store.write(open(5)))).isEqualTo(WriteResult.WRITTEN);
    assertThat(await(store.write(open(3)))).isEqualTo(WriteResult.STALE);
    assertThat(await(store.write(open(5)))).isEqualTo(WriteResult.WRITTEN);

    assertThat(new JsonObject(redis.command("GET", "store-test:db:state")).getLong("version")).isEqualTo(5);
  }

  @Test
  void overwritesTheOlderServicesVersionlessValueAndForeignTypes(Vertx vertx) {
    RedisSnapshotStore store = store(vertx);
    redis.command("SET", "store-test:db:state", "{\"state\": \"closed\", \"failure_count\": 0}");
    redis.command("HSET", "store-test:other:state", "state", "open");

    assertThat(await(store.write(open(1)))).isEqualTo(WriteResult.WRITTEN);
    assertThat(await(store.write(new Snapshot("other", BreakerState.CLOSED, 0, null, 0, 1, NOW))))
        .isEqualTo(WriteResult.WRITTEN);

    assertThat(redis.command("TYPE", "store-test:other:state")).isEqualTo("string");
    assertThat(Long.parseLong(redis.command("TTL", "store-test:db:state"))).isBetween(86_000L, 86_400L);
  }

  @Test
  void boundsEveryCommandByTheCommandTimeout(Vertx vertx) {
    RedisSnapshotStore store = store(vertx);
    await(store.probe());
    redis.pause();
    try {
      long started = System.nanoTime();
      assertThatThrownBy(() -> await(store.write(open(1)))).isInstanceOf(TimeoutException.class);
      assertThat((System.nanoTime() - started) / 1_000_000).isLessThan(3_000);
      assertThatThrownBy(() -> await(store.loadAll())).isInstanceOf(TimeoutException.class);
    } finally {
      redis.resume();
    }
  }

  @Test
  void loadsEverySnapshotUnderThePrefixAcrossScanBatches(Vertx vertx) {
    RedisSnapshotStore store = store(vertx);
    for (int i = 0; i < 2_500; i++) {
      redis.command("SET", "store-test:b" + i + ":state", "{\"state\": \"closed\", \"failure_count\": 1}");
    }
    redis.command("SET", "elsewhere:b:state", "{\"state\": \"closed\", \"failure_count\": 1}");

    var result = await(store.loadAll());

    assertThat(result.snapshots()).hasSize(2_500);
    assertThat(result.skipped()).isZero();
  }
}
