package io.tripstate.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tripstate.BreakerVerticle;
import io.tripstate.support.Bus;
import io.tripstate.support.MutableClock;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A key never expires while the state it holds lasts (issue 9, problem 1): with TTLs of one second, breakers
 * forced open without a duration, disabled, or open for a minute are still there for a verticle started after
 * those TTLs have passed; a closed breaker's key, as a control, is gone.
 */
@ExtendWith(VertxExtension.class)
class KeyTtlIntegrationTest {
  private final MutableClock clock = MutableClock.startingNow();
  @AutoClose
  private final RedisServerProcess redis = RedisServerProcess.start();

  private JsonObject config() {
    JsonObject config = Deployments.config(redis.url())
        .put("defaults", new JsonObject().put("failureThreshold", 2).put("resetTimeoutMs", 60_000));
    config.getJsonObject("persistence").put("ttlSeconds", 1).put("openTtlSeconds", 1);
    return config;
  }

  private long ttl(JsonObject config, String name) {
    return Long.parseLong(redis.command("TTL", Deployments.key(config, name)));
  }

  private boolean stored(JsonObject config, String name, String state) {
    String value = redis.command("GET", Deployments.key(config, name));
    return value != null && state.equals(new JsonObject(value).getString("state"));
  }

  @Test
  void forcedDisabledAndLongOpenBreakersOutliveTheirConfiguredTtlAcrossARestart(Vertx vertx) {
    // Given breakers forced open (no duration), disabled, open for 60 s, and one closed with a failure counted
    JsonObject config = config();
    String first = Bus.await(vertx.deployVerticle(new BreakerVerticle(clock), new DeploymentOptions().setConfig(config)));
    Bus bus = Deployments.bus(vertx, config);
    bus.send("force_open", new JsonObject().put("name", "maintenance"));
    bus.send("disable", new JsonObject().put("name", "bypassed"));
    bus.record("failing", "failure");
    bus.record("failing", "failure");
    bus.record("counted", "failure");
    await().atMost(Duration.ofSeconds(5)).until(() -> stored(config, "maintenance", "forced_open")
        && stored(config, "bypassed", "disabled") && stored(config, "failing", "open")
        && stored(config, "counted", "closed"));

    // Then their keys carry no TTL (operator states) or one longer than the open time left
    assertThat(ttl(config, "maintenance")).as("forced_open without a duration").isEqualTo(-1);
    assertThat(ttl(config, "bypassed")).as("disabled").isEqualTo(-1);
    assertThat(ttl(config, "failing")).as("open for 60 s").isGreaterThanOrEqualTo(60);

    // When the configured TTL has passed (the closed breaker's key expired) and a new verticle starts
    await().atMost(Duration.ofSeconds(5)).until(() -> redis.command("GET", Deployments.key(config, "counted")) == null);
    Bus.await(vertx.undeploy(first));
    Bus.await(vertx.deployVerticle(new BreakerVerticle(clock), new DeploymentOptions().setConfig(config)));

    // Then the forced, disabled and open breakers are restored as they were
    assertThat(bus.status("maintenance").getString("state")).isEqualTo("forced_open");
    assertThat(bus.status("bypassed").getString("state")).isEqualTo("disabled");
    JsonObject failing = bus.status("failing");
    assertThat(failing.getString("state")).isEqualTo("open");
    assertThat(failing.getLong("retry_after_ms")).isEqualTo(60_000);
    assertThat(bus.refuse("status", new JsonObject().put("name", "counted")).failureCode()).isEqualTo(404);
  }

  @Test
  void perBreakerTtlsApplyAndAForcedOpenWithADurationOutlivesItsTtl(Vertx vertx) {
    // Given keys that live 1 s by default and for "brief", and 3600 s for "kept"; persistence's own TTLs unset
    JsonObject config = Deployments.config(redis.url())
        .put("defaults", new JsonObject().put("failureThreshold", 2).put("ttlSeconds", 1).put("openTtlSeconds", 1))
        .put("breakers", new JsonObject().put("kept", new JsonObject().put("ttlSeconds", 3_600)));
    String first = Bus.await(vertx.deployVerticle(new BreakerVerticle(clock), new DeploymentOptions().setConfig(config)));
    Bus bus = Deployments.bus(vertx, config);

    // When "kept" and "brief" count a failure, and "window" is forced open for a minute
    bus.record("kept", "failure");
    bus.record("brief", "failure");
    bus.send("force_open", new JsonObject().put("name", "window").put("duration_ms", 60_000));
    await().atMost(Duration.ofSeconds(5)).until(() -> stored(config, "kept", "closed")
        && stored(config, "window", "forced_open"));

    // Then each key has its own TTL: the breaker's, and the forced time left plus a ttlSeconds
    assertThat(ttl(config, "kept")).isBetween(3_590L, 3_600L);
    assertThat(ttl(config, "window")).isBetween(55L, 61L);

    // and after the default TTL passed, a new verticle finds "kept" and "window" but not "brief"
    await().atMost(Duration.ofSeconds(5)).until(() -> redis.command("GET", Deployments.key(config, "brief")) == null);
    Bus.await(vertx.undeploy(first));
    Bus.await(vertx.deployVerticle(new BreakerVerticle(clock), new DeploymentOptions().setConfig(config)));
    assertThat(bus.status("kept").getInteger("failure_count")).isEqualTo(1);
    assertThat(bus.status("window").getString("state")).isEqualTo("forced_open");
    assertThat(bus.status("window").getLong("retry_after_ms")).isEqualTo(60_000);
    assertThat(bus.refuse("status", new JsonObject().put("name", "brief")).failureCode()).isEqualTo(404);
  }
}
