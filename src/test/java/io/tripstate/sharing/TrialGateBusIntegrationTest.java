package io.tripstate.sharing;

import static io.tripstate.support.Bus.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.breaker.BreakerSettings;
import io.tripstate.bus.BreakerApi;
import io.tripstate.config.TripstateConfig;
import io.tripstate.store.Persistence;
import io.tripstate.support.Bus;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The event-bus API with a trial gate: the lease holder's acquire gets a permit, the other's a retry time. */
@ExtendWith(VertxExtension.class)
class TrialGateBusIntegrationTest {
  private static final long RESET_MS = 1_000;
  private static final BreakerSettings SETTINGS = BreakerSettings.builder().failureThreshold(1)
      .resetTimeoutMs(RESET_MS).permitTimeoutMs(10_000).build();

  @AutoClose
  private final RedisServerProcess redis = RedisServerProcess.start();

  /** Serves the instance's engine on {@code address}, its acquires and calls going through its gate. */
  private static Bus serve(Vertx vertx, SharingInstance instance, String address) {
    TripstateConfig config = TripstateConfig.from(new JsonObject()
        .put("persistence", new JsonObject().put("enabled", false)));
    await(instance.onAsync(() -> {
      Persistence persistence = new Persistence(instance.scheduler, Runnable::run, null, config.persistence(),
          "(disabled)", name -> "");
      BreakerApi api = new BreakerApi(vertx.eventBus(), address, instance.engine, persistence, false,
          config.maxRequestBytes());
      api.useTrialGate(instance.gate);
      return api.listen(false);
    }));
    return new Bus(vertx, address);
  }

  @Test
  void theLeaseHoldersAcquireGetsAPermitAndTheOtherInstancesARetryTime(Vertx vertx) {
    // Given two instances on one Redis, each serving the API, a breaker open on both and its open time up
    SharingInstance a = new SharingInstance(vertx, "a", redis.url(), SETTINGS, 5_000);
    SharingInstance b = new SharingInstance(vertx, "b", redis.url(), SETTINGS, 5_000);
    Bus busA = serve(vertx, a, "tripstate.a");
    Bus busB = serve(vertx, b, "tripstate.b");
    a.openAndWait("db", RESET_MS);
    b.openAndWait("db", RESET_MS);

    // When a acquires first, then b
    JsonObject permitted = busA.acquire("db");
    JsonObject rejected = busB.acquire("db");

    // Then a holds the trial with a permit, and b rejects with the lease's time left
    assertThat(permitted.getBoolean("permitted")).isTrue();
    assertThat(permitted.getString("state")).isEqualTo("half_open");
    assertThat(permitted.getString("permit")).isNotEqualTo("0");
    assertThat(rejected.getBoolean("permitted")).isFalse();
    assertThat(rejected.getString("state")).isEqualTo("half_open");
    assertThat(rejected.getLong("retry_after_ms")).isPositive().isLessThanOrEqualTo(10_000);
    assertThat(redis.command("GET", "share:db:trial")).startsWith("a:");

    // And a call through b is refused the same way, without reaching its target
    vertx.eventBus().consumer("target", message -> message.reply("reached"));
    ReplyException refused = busB.refuse("call", new JsonObject().put("name", "db").put("address", "target"));
    assertThat(refused.failureCode()).isEqualTo(503);
    assertThat(refused.getMessage()).contains("half_open").contains("retry after");

    // And when a records the trial's success through the API, the lease is given back
    busA.send("record", new JsonObject().put("name", "db").put("outcome", "success")
        .put("permit", permitted.getString("permit")));
    Bus.eventually(() -> "0".equals(redis.command("EXISTS", "share:db:trial")), "the lease is given back");
  }
}
