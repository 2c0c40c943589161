package io.tripstate.it;

import static io.tripstate.support.Bus.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.support.Bus;
import io.tripstate.support.MutableClock;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** force_open, disable, ignored outcomes, permit conflicts and time-driven transitions, end to end. */
@ExtendWith(VertxExtension.class)
class PolicyActionsIntegrationTest {
  private final MutableClock clock = MutableClock.startingNow();

  @Test
  void forceOpenRejectsEverythingIsPersistedAndRestoredAndEndsByItself(Vertx vertx) {
    JsonObject config = Deployments.config();
    String id = Deployments.deploy(vertx, config, clock).deploymentID();
    Bus bus = Deployments.bus(vertx, config);

    JsonObject forced = bus.send("force_open", new JsonObject().put("name", "maintenance").put("duration_ms", 30_000));
    assertThat(forced.getString("state")).isEqualTo("forced_open");
    assertThat(forced.getLong("retry_after_ms")).isEqualTo(30_000);
    assertThat(bus.acquire("maintenance").getBoolean("permitted")).isFalse();
    eventually(() -> Deployments.stored(config, "maintenance") != null, "forced_open written");
    assertThat(Deployments.stored(config, "maintenance").getString("state")).isEqualTo("forced_open");
    Bus.await(vertx.undeploy(id));

    clock.advanceMillis(10_000);
    Deployments.deploy(vertx, config, clock);
    assertThat(bus.status("maintenance").getString("state")).isEqualTo("forced_open");
    assertThat(bus.status("maintenance").getLong("retry_after_ms")).isEqualTo(20_000);
    clock.advanceMillis(20_000);

    assertThat(bus.status("maintenance").getString("state")).isEqualTo("half_open");
    assertThat(bus.acquire("maintenance").getBoolean("permitted")).isTrue();
  }

  @Test
  void anOpenEndedForceOpenAnswersRetryAfterNullAndATimedOneANumber(Vertx vertx) {
    // Given a breaker forced open without an end, another forced open for 90 s, and one whose open time is up (60 s later)
    JsonObject config = Deployments.config();
    Bus bus = Deployments.serve(vertx, config, clock);
    JsonObject forced = bus.send("force_open", new JsonObject().put("name", "until-reset"));
    bus.send("force_open", new JsonObject().put("name", "timed").put("duration_ms", 90_000));
    bus.record("due", "failure");
    bus.record("due", "failure");
    clock.advanceMillis(60_000);

    // When they are asked for a permit and for their status
    JsonObject rejected = bus.acquire("until-reset");
    JsonObject status = bus.status("until-reset");

    // Then "until reset" is null, never 0, which means "the next call is a trial"
    for (JsonObject reply : List.of(forced, rejected, status)) {
      assertThat(reply.containsKey("retry_after_ms")).as(reply.encode()).isTrue();
      assertThat(reply.getValue("retry_after_ms")).as(reply.encode()).isNull();
    }
    assertThat(bus.acquire("timed").getLong("retry_after_ms")).isEqualTo(30_000);
    assertThat(bus.status("timed").getLong("retry_after_ms")).isEqualTo(30_000);
    assertThat(bus.status("due").getLong("retry_after_ms")).isZero();
  }

  @Test
  void callOnAnOpenEndedForcedBreakerSaysItWaitsForAReset(Vertx vertx) {
    // Given a breaker forced open without an end
    JsonObject config = Deployments.config();
    Bus bus = Deployments.serve(vertx, config, clock);
    bus.send("force_open", new JsonObject().put("name", "frozen"));

    // When a call goes through it
    ReplyException refused = bus.refuse("call", new JsonObject().put("name", "frozen").put("address", "anywhere")
        .put("body", new JsonObject()));

    // Then it is refused with 503 and a message that names no retry time
    assertThat(refused.failureCode()).isEqualTo(503);
    assertThat(refused.getMessage())
        .isEqualTo("CircuitBreaker 'frozen' is forced_open and does not permit further calls until it is reset");
  }

  @Test
  void disablePermitsEverythingCountsNothingAndResetCloses(Vertx vertx) {
    JsonObject config = Deployments.config();
    Bus bus = Deployments.serve(vertx, config, clock);

    assertThat(bus.send("disable", new JsonObject().put("name", "off")).getString("state")).isEqualTo("disabled");
    for (int i = 0; i < 5; i++) {
      assertThat(bus.acquire("off").getBoolean("permitted")).isTrue();
      assertThat(bus.record("off", "failure").getString("state")).isEqualTo("disabled");
    }

    assertThat(bus.send("reset", new JsonObject().put("name", "off")).getString("state")).isEqualTo("closed");
    assertThat(bus.status("off").getInteger("failure_count")).isZero();
  }

  @Test
  void ignoredOutcomesCountNowhere(Vertx vertx) {
    JsonObject config = Deployments.config();
    Bus bus = Deployments.serve(vertx, config, clock);

    bus.record("cancelled", "failure");
    bus.record("cancelled", "ignored");
    bus.record("cancelled", "ignored");

    assertThat(bus.status("cancelled").getInteger("failure_count")).isEqualTo(1);
    assertThat(bus.status("cancelled").getString("state")).isEqualTo("closed");
  }

  @Test
  void aPermitUsedTwiceOrNeverHandedOutIsAConflictThatChangesNothing(Vertx vertx) {
    JsonObject config = Deployments.config().put("defaults", new JsonObject().put("failureThreshold", 1)
        .put("resetTimeoutMs", 1_000).put("successThreshold", 2));
    Bus bus = Deployments.serve(vertx, config, clock);
    bus.record("trial", "failure");
    clock.advanceMillis(1_000);
    String permit = bus.acquire("trial").getString("permit");
    bus.send("record", new JsonObject().put("name", "trial").put("outcome", "success").put("permit", permit));
    long version = bus.status("trial").getLong("version");

    var twice = bus.refuse("record", new JsonObject().put("name", "trial").put("outcome", "success")
        .put("permit", permit));
    var bogus = bus.refuse("record", new JsonObject().put("name", "trial").put("outcome", "failure")
        .put("permit", "99999999999999999"));

    assertThat(twice.failureCode()).isEqualTo(409);
    assertThat(bogus.failureCode()).isEqualTo(409);
    assertThat(bus.status("trial").getLong("version")).isEqualTo(version);
    assertThat(bus.status("trial").getString("state")).isEqualTo("half_open");
  }

  @Test
  void anExpiredTrialReopensTheBreakerWhenItsTimeIsUpWithoutAnyRequest(Vertx vertx) {
    JsonObject config = Deployments.config().put("defaults", new JsonObject().put("failureThreshold", 1)
        .put("resetTimeoutMs", 50).put("permitTimeoutMs", 300));
    Bus bus = Deployments.serve(vertx, config, Clock.systemUTC());
    List<JsonObject> events = new CopyOnWriteArrayList<>();
    Bus.await(vertx.eventBus().<JsonObject>consumer(config.getString("transitionsAddress"),
        message -> events.add(message.body())).completion());
    bus.record("lost-caller", "failure");
    eventually(() -> bus.acquire("lost-caller").getBoolean("permitted"), "a trial permit");

    eventually(() -> events.stream().anyMatch(e -> "trial_expired".equals(e.getString("reason"))),
        "the trial_expired transition published by the timer");
    JsonObject expired = events.stream().filter(e -> "trial_expired".equals(e.getString("reason"))).findFirst()
        .orElseThrow();
    assertThat(expired.getString("from")).isEqualTo("half_open");
    assertThat(expired.getString("to")).isEqualTo("open");
  }

  @Test
  void backoffGrowsTheOpenTimeAcrossReopensAndSurvivesARestart(Vertx vertx) {
    JsonObject config = Deployments.config().put("defaults", new JsonObject().put("failureThreshold", 1)
        .put("resetTimeoutMs", 1_000).put("backoff", new JsonObject().put("multiplier", 2.0)
            .put("maxResetTimeoutMs", 10_000)));
    String id = Deployments.deploy(vertx, config, clock).deploymentID();
    Bus bus = Deployments.bus(vertx, config);
    bus.record("flaky", "failure");
    clock.advanceMillis(1_000);
    bus.send("record", new JsonObject().put("name", "flaky").put("outcome", "failure")
        .put("permit", bus.acquire("flaky").getString("permit")));
    assertThat(bus.status("flaky").getLong("retry_after_ms")).isEqualTo(2_000);
    eventually(() -> Deployments.stored(config, "flaky") != null && Deployments.stored(config, "flaky").getLong("open_timeout_ms") == 2_000,
        "open time persisted");
    Bus.await(vertx.undeploy(id));

    Deployments.deploy(vertx, config, clock);

    assertThat(bus.status("flaky").getLong("retry_after_ms")).isEqualTo(2_000);
    assertThat(bus.status("flaky").getLong("open_timeout_ms")).isEqualTo(2_000);
  }
}
