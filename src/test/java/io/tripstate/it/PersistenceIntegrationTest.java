package io.tripstate.it;

import static io.tripstate.it.Deployments.key;
import static io.tripstate.support.Bus.await;
import static io.tripstate.support.Bus.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.BreakerClient;
import io.tripstate.support.Bus;
import io.tripstate.support.MutableClock;
import io.tripstate.support.Resp;
import io.tripstate.support.TestRedis;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Snapshots in a real Redis: written on transitions, restored on deploy. */
@ExtendWith(VertxExtension.class)
class PersistenceIntegrationTest {
  private final MutableClock clock = MutableClock.startingNow();
  private final String redis = TestRedis.url();

  private long ttl(JsonObject config, String name) {
    return Long.parseLong(Resp.command(redis, "TTL", key(config, name)));
  }

  @Test
  void writesASnapshotOnEveryTransitionWithItsFieldsAndTtl(Vertx vertx) {
    JsonObject config = Deployments.config();
    Bus bus = Deployments.serve(vertx, config, clock);

    bus.record("payments", "failure");
    bus.record("payments", "failure");

    eventually(() -> Deployments.stored(config, "payments") != null && "open".equals(Deployments.stored(config, "payments").getString("state")),
        "open snapshot in Redis");
    JsonObject open = Deployments.stored(config, "payments");
    assertThat(open.getString("name")).isEqualTo("payments");
    assertThat(open.getInteger("failure_count")).isEqualTo(2);
    assertThat(open.getDouble("opened_at")).isEqualTo(clock.millis() / 1000.0);
    assertThat(open.getInteger("half_open_attempts")).isZero();
    assertThat(open.getLong("version")).isPositive();
    assertThat(open.getDouble("updated_at")).isEqualTo(clock.millis() / 1000.0);
    assertThat(ttl(config, "payments")).isBetween(86_000L, 86_400L);

    clock.advanceMillis(60_000);
    assertThat(bus.acquire("payments").getString("state")).isEqualTo("half_open");
    eventually(() -> "half_open".equals(Deployments.stored(config, "payments").getString("state")), "half_open in Redis");
    assertThat(ttl(config, "payments")).isBetween(3_000L, 3_600L);

    bus.record("payments", "success");
    eventually(() -> "closed".equals(Deployments.stored(config, "payments").getString("state")), "closed in Redis");
    JsonObject closed = Deployments.stored(config, "payments");
    assertThat(closed.getLong("version")).isGreaterThan(open.getLong("version"));
    assertThat(closed.getValue("opened_at")).isNull();
  }

  @Test
  void coalescesCounterChangesWithoutATransition(Vertx vertx) {
    JsonObject config = Deployments.config().put("defaults", new JsonObject().put("failureThreshold", 1000));
    Bus bus = Deployments.serve(vertx, config, clock);

    for (int i = 0; i < 50; i++) {
      bus.record("counted", "failure");
    }

    eventually(() -> Deployments.stored(config, "counted") != null
        && Deployments.stored(config, "counted").getInteger("failure_count") == 50, "failure_count 50 in Redis");
    // One version per write, and far fewer writes than changes
    assertThat(Deployments.stored(config, "counted").getLong("version")).isBetween(1L, 25L)
        .isEqualTo(bus.status("counted").getLong("version"));
  }

  @Test
  void aBurstOfTransitionsOnManyBreakersLandsWithoutAFailedWrite(Vertx vertx) {
    JsonObject config = Deployments.config();
    Deployments.deploy(vertx, config, clock);
    BreakerClient client = BreakerClient.create(vertx, config.getString("address"));
    List<Future<JsonObject>> forced = new ArrayList<>();

    for (int i = 0; i < 500; i++) {
      forced.add(client.forceOpen("burst-" + i, null));
    }
    await(Future.all(forced));

    Bus bus = Deployments.bus(vertx, config);
    eventually(() -> bus.statusAll().getJsonObject("persistence").getInteger("pending_writes") == 0,
        "every snapshot written");
    assertThat(bus.statusAll().getJsonObject("persistence").getLong("failed_writes"))
        .as("the client's connection pool must not refuse a burst").isZero();
    assertThat(Deployments.stored(config, "burst-499").getString("state")).isEqualTo("forced_open");
  }

  @Test
  void undeployWritesCounterChangesThatWereStillWaiting(Vertx vertx) {
    JsonObject config = Deployments.config().put("defaults", new JsonObject().put("failureThreshold", 100));
    config.getJsonObject("persistence").put("counterFlushMs", 600_000);
    String id = Deployments.deploy(vertx, config, clock).deploymentID();
    Bus bus = Deployments.bus(vertx, config);
    bus.record("pending", "failure");
    bus.record("pending", "failure");
    bus.record("pending", "failure");
    assertThat(Deployments.stored(config, "pending")).as("coalesced, not written yet").isNull();

    await(vertx.undeploy(id));

    assertThat(Deployments.stored(config, "pending").getInteger("failure_count")).isEqualTo(3);
  }

  @Test
  void restoresAnOpenBreakerWithOnlyTheTimeItHadLeft(Vertx vertx) {
    JsonObject config = Deployments.config();
    String first = Deployments.deploy(vertx, config, clock).deploymentID();
    Bus bus = Deployments.bus(vertx, config);
    bus.record("inventory", "failure");
    bus.record("inventory", "failure");
    eventually(() -> Deployments.stored(config, "inventory") != null, "snapshot in Redis");
    await(vertx.undeploy(first));

    clock.advanceMillis(20_000);
    Deployments.deploy(vertx, config, clock);

    JsonObject status = bus.status("inventory");
    assertThat(status.getString("state")).isEqualTo("open");
    assertThat(status.getLong("retry_after_ms")).isEqualTo(40_000);
    JsonObject acquire = bus.acquire("inventory");
    assertThat(acquire.getBoolean("permitted")).isFalse();
    assertThat(acquire.getLong("retry_after_ms")).isEqualTo(40_000);
  }

  @Test
  void anOpenBreakerWhoseTimeRanOutWhileDownAllowsATrialAfterRestore(Vertx vertx) {
    JsonObject config = Deployments.config();
    double openedAt = (clock.millis() - 120_000) / 1000.0;
    Resp.command(redis, "SET", key(config, "search"), new JsonObject().put("name", "search").put("state", "open")
        .put("failure_count", 2).put("opened_at", openedAt).put("half_open_attempts", 0).put("version", 3)
        .put("updated_at", openedAt).encode());

    Bus bus = Deployments.serve(vertx, config, clock);

    assertThat(bus.status("search").getLong("retry_after_ms")).isZero();
    JsonObject acquire = bus.acquire("search");
    assertThat(acquire.getBoolean("permitted")).isTrue();
    assertThat(acquire.getString("state")).isEqualTo("half_open");
    eventually(() -> Deployments.stored(config, "search").getLong("version") == 4, "half_open written as version 4");
  }

  @Test
  void restoresTheOlderPythonFourFieldForm(Vertx vertx) {
    JsonObject config = Deployments.config().put("defaults", new JsonObject().put("resetTimeoutMs", 30_000));
    String legacy = "{\"state\": \"open\", \"failure_count\": 5, \"opened_at\": "
        + (clock.millis() - 10_000) / 1000 + ".0, \"half_open_attempts\": 0}";
    Resp.command(redis, "SET", key(config, "legacy"), legacy);

    Deployments.deploy(vertx, config, clock);

    JsonObject status = Deployments.bus(vertx, config).status("legacy");
    assertThat(status.getString("state")).isEqualTo("open");
    assertThat(status.getInteger("failure_count")).isEqualTo(5);
    assertThat(status.getLong("retry_after_ms")).isEqualTo(20_000);
    assertThat(status.getLong("version")).isZero();
  }

  @Test
  void restoreWritesNothing(Vertx vertx) {
    JsonObject config = Deployments.config();
    String value = new JsonObject().put("name", "quiet").put("state", "closed").put("failure_count", 1)
        .putNull("opened_at").put("half_open_attempts", 0).put("version", 7).put("updated_at", 1.0).encode();
    Resp.command(redis, "SET", key(config, "quiet"), value, "EX", "5000");

    Bus bus = Deployments.serve(vertx, config, clock);
    assertThat(bus.status("quiet").getInteger("failure_count")).isEqualTo(1);
    await(vertx.timer(400));

    assertThat(Resp.command(redis, "GET", key(config, "quiet"))).isEqualTo(value);
    assertThat(ttl(config, "quiet")).isLessThanOrEqualTo(5000L).isGreaterThan(4900L);
  }

  @Test
  void skipsUnreadableValuesCountsThemAndStillDeploys(Vertx vertx) {
    JsonObject config = Deployments.config();
    Resp.command(redis, "SET", key(config, "bad-json"), "{not json");
    Resp.command(redis, "SET", key(config, "wrong-type"), "{\"state\": \"open\", \"failure_count\": \"five\"}");
    Resp.command(redis, "SET", key(config, "unknown-state"), "{\"state\": \"ajar\", \"failure_count\": 1}");
    Resp.command(redis, "HSET", key(config, "a-hash"), "state", "open");
    Resp.command(redis, "SET", key(config, "bad name!"), "{\"state\": \"closed\", \"failure_count\": 0}");
    Resp.command(redis, "SET", key(config, "fine"), "{\"state\": \"closed\", \"failure_count\": 1}");

    Bus bus = Deployments.serve(vertx, config, clock);

    JsonObject all = bus.statusAll();
    assertThat(all.getJsonObject("persistence").getInteger("skipped_snapshots")).isEqualTo(5);
    assertThat(all.getJsonArray("breakers")).hasSize(1);
    assertThat(bus.status("fine").getInteger("failure_count")).isEqualTo(1);
  }

  @Test
  void persistenceDisabledWritesNothingAndSaysSo(Vertx vertx) {
    JsonObject config = Deployments.config();
    config.getJsonObject("persistence").put("enabled", false);
    Bus bus = Deployments.serve(vertx, config, clock);

    bus.record("offline", "failure");
    bus.record("offline", "failure");
    await(vertx.timer(300));

    assertThat(bus.status("offline").getString("state")).isEqualTo("open");
    assertThat(Resp.command(redis, "EXISTS", key(config, "offline"))).isEqualTo("0");
    JsonObject persistence = bus.statusAll().getJsonObject("persistence");
    assertThat(persistence.getBoolean("enabled")).isFalse();
    assertThat(persistence.getBoolean("connected")).isFalse();
  }

  @Test
  void persistenceStatusReportsAHealthyConnection(Vertx vertx) {
    JsonObject config = Deployments.config();
    Bus bus = Deployments.serve(vertx, config, clock);
    bus.record("p", "failure");
    bus.record("p", "failure");

    eventually(() -> bus.statusAll().getJsonObject("persistence").getInteger("pending_writes") == 0,
        "no pending writes");
    JsonObject persistence = bus.statusAll().getJsonObject("persistence");
    assertThat(persistence.getBoolean("enabled")).isTrue();
    assertThat(persistence.getBoolean("connected")).isTrue();
    assertThat(persistence.getLong("failed_writes")).isZero();
    assertThat(persistence.containsKey("last_error")).isTrue();
    assertThat(persistence.getValue("last_error")).isNull();
  }
}
