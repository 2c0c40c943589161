package io.tripstate.it;

import static io.tripstate.support.Bus.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Snapshot;
import io.tripstate.config.PersistenceConfig;
import io.tripstate.store.KeyTtl;
import io.tripstate.store.RedisSnapshotStore;
import io.tripstate.store.SnapshotStore.WriteResult;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.RedisOptions;
import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The Redis adapter on its own: compare-and-set on the stored version, TTLs, and the command timeout. */
@ExtendWith(VertxExtension.class)
class RedisSnapshotStoreIntegrationTest {
  private static final long NOW = 1_700_000_000_000L;
  @AutoClose
  private final RedisServerProcess redis = RedisServerProcess.start();
  /** A command timeout that a loaded machine's first connection (class loading included) stays well under. */
  private static final long COMMAND_TIMEOUT_MS = 5_000;

  private RedisSnapshotStore store(Vertx vertx) {
    return store(vertx, COMMAND_TIMEOUT_MS);
  }

  private RedisSnapshotStore store(Vertx vertx, long commandTimeoutMs) {
    PersistenceConfig config =
        new PersistenceConfig(true, "store-test:", 86_400, 3_600, commandTimeoutMs, 3_000, 1_000, 1_000, false);
    return new RedisSnapshotStore(vertx, new RedisOptions().setConnectionString(redis.url()), config);
  }

  private static Snapshot open(long version) {
    return new Snapshot("db", BreakerState.OPEN, 5, NOW, 0, version, NOW);
  }

  private JsonObject stored(String name) {
    return new JsonObject(redis.command("GET", "store-test:" + name + ":state"));
  }

  @Test
  void writesOnlyOverTheVersionItIsBasedOnAndStoresThatVersionPlusOne(Vertx vertx) {
    RedisSnapshotStore store = store(vertx);

    // Given an absent key: a write based on any version lands, at that version plus one
    assertThat(await(store.write(open(0), 4, 3_600))).isEqualTo(WriteResult.written(5));
    assertThat(stored("db").getLong("version")).isEqualTo(5);

    // When writes follow, each based on the version the one before stored
    assertThat(await(store.write(open(99), 5, 3_600))).isEqualTo(WriteResult.written(6));
    assertThat(await(store.write(open(0), 6, 3_600))).isEqualTo(WriteResult.written(7));

    // Then a write based on an older version (a late one, or another writer's) is refused with what Redis holds
    WriteResult late = await(store.write(new Snapshot("db", BreakerState.CLOSED, 0, null, 0, 0, NOW), 5, 3_600));
    assertThat(late.written()).isFalse();
    assertThat(late.version()).isEqualTo(7);
    assertThat(late.stored().state()).isEqualTo(BreakerState.OPEN);
    assertThat(late.stored().version()).isEqualTo(7);
    assertThat(stored("db").getString("state")).isEqualTo("open");
    assertThat(stored("db").getLong("version")).isEqualTo(7);
  }

  @Test
  void overwritesTheOlderServicesVersionlessValueAndForeignTypes(Vertx vertx) {
    RedisSnapshotStore store = store(vertx);
    redis.command("SET", "store-test:db:state", "{\"state\": \"closed\", \"failure_count\": 0}");
    redis.command("HSET", "store-test:other:state", "state", "open");

    assertThat(await(store.write(open(0), 0, 86_400))).isEqualTo(WriteResult.written(1));
    assertThat(await(store.write(new Snapshot("other", BreakerState.CLOSED, 0, null, 0, 0, NOW), 3, 3_600)))
        .isEqualTo(WriteResult.written(4));

    assertThat(redis.command("TYPE", "store-test:other:state")).isEqualTo("string");
    assertThat(Long.parseLong(redis.command("TTL", "store-test:db:state"))).isBetween(86_000L, 86_400L);
  }

  @Test
  void aRefusalOverAVersionedValueThatIsNoSnapshotNamesItsVersionOnly(Vertx vertx) {
    // Given a value with a version but an unknown state (another program's, or a newer format)
    RedisSnapshotStore store = store(vertx);
    redis.command("SET", "store-test:db:state", "{\"state\": \"ajar\", \"version\": 12}");

    // When a write based on another version arrives
    WriteResult refused = await(store.write(open(0), 3, 3_600));

    // Then it is refused with the stored version, and no snapshot
    assertThat(refused).isEqualTo(WriteResult.refused(12, null));
  }

  @Test
  void writesTheTtlItIsGivenAndNoneForNever(Vertx vertx) {
    RedisSnapshotStore store = store(vertx);

    await(store.write(open(0), 0, 120));
    assertThat(Long.parseLong(redis.command("TTL", "store-test:db:state"))).isBetween(115L, 120L);

    await(store.write(open(0), 1, KeyTtl.NEVER));
    assertThat(redis.command("TTL", "store-test:db:state")).as("the earlier TTL removed").isEqualTo("-1");
  }

  @Test
  void boundsEveryCommandByTheCommandTimeout(Vertx vertx) {
    RedisSnapshotStore store = store(vertx, 1_000);
    // Connected first: on a loaded machine the first command (connect, class loading) may need longer.
    Awaitility.await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> await(store.probe()) != null);
    redis.pause();
    try {
      long started = System.nanoTime();
      assertThatThrownBy(() -> await(store.write(open(1), 0, 60))).isInstanceOf(TimeoutException.class);
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
