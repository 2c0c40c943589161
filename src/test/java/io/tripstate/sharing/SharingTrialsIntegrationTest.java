package io.tripstate.sharing;

import static io.tripstate.support.Bus.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One prober across instances, through the real verticles: after the open time, concurrent acquires on three
 * instances get exactly {@code halfOpenMaxCalls} trials in total; the trial's outcome closes or reopens the
 * breaker everywhere; a lease whose holder never answers expires and another instance probes.
 */
class SharingTrialsIntegrationTest {
  private static RedisServerProcess redis;
  private static Fleet fleet;

  @BeforeAll
  static void startFleet() {
    redis = RedisServerProcess.start();
    // Open 300 ms after a failed trial; a trial permit lapses after 2 s.
    fleet = new Fleet(redis).start(3, config -> {
      config.getJsonObject("defaults").put("resetTimeoutMs", 300);
      config.put("breakers", new JsonObject()
          .put("three-trials", new JsonObject().put("halfOpenMaxCalls", 3).put("successThreshold", 3)));
    });
  }

  @AfterAll
  static void stopFleet() {
    fleet.close();
    redis.close();
  }

  /** Opens a breaker on instance a, waits until every instance rejects, then until its open time is up. */
  private static String openEverywhere(String prefix) {
    String name = prefix + "-" + UUID.randomUUID().toString().substring(0, 6);
    long version = fleet.get(0).bus.send("force_open", new JsonObject().put("name", name).put("duration_ms", 400))
        .getLong("version");
    for (Fleet.Member member : fleet.members) {
      eventually(() -> member.state(name) != null && member.bus.status(name).getLong("version") >= version,
          member.id + " took the forced open");
    }
    eventually(() -> redis.command("PTTL", fleet.prefix + name + ":trial").equals("-2")
        && fleet.members.stream().allMatch(m -> m.bus.status(name).getLong("retry_after_ms", 0L) == 0L),
        "the open time is up everywhere");
    return name;
  }

  /** 30 acquires sent at once on every instance; the permitted ones. */
  private static List<JsonObject> acquireEverywhereAtOnce(String name) {
    List<Future<JsonObject>> replies = new ArrayList<>();
    for (Fleet.Member member : fleet.members) {
      for (int i = 0; i < 30; i++) {
        replies.add(member.vertx.eventBus().<JsonObject>request("tripstate", new JsonObject().put("name", name),
            new DeliveryOptions().addHeader("action", "acquire").setSendTimeout(5_000)).map(m -> m.body()
                .put("instance", member.id)));
      }
    }
    List<JsonObject> permitted = new ArrayList<>();
    for (Future<JsonObject> reply : replies) {
      JsonObject body = io.tripstate.support.Bus.await(reply);
      if (body.getBoolean("permitted")) {
        permitted.add(body);
      }
    }
    return permitted;
  }

  @Test
  void threeInstancesTimesThirtyConcurrentAcquiresGetExactlyOneTrialAndItsSuccessClosesEverywhere() {
    String name = openEverywhere("one-trial");

    List<JsonObject> permitted = acquireEverywhereAtOnce(name);

    assertThat(permitted).hasSize(1);
    JsonObject trial = permitted.get(0);
    Fleet.Member holder = fleet.members.stream().filter(m -> m.id.equals(trial.getString("instance"))).findFirst()
        .orElseThrow();
    assertThat(redis.command("GET", fleet.prefix + name + ":trial")).startsWith(holder.id + ":");
    holder.bus.send("record", new JsonObject().put("name", name).put("outcome", "success")
        .put("permit", trial.getValue("permit")));
    for (Fleet.Member member : fleet.members) {
      eventually(() -> "closed".equals(member.state(name)), member.id + " closed by the trial");
    }
  }

  @Test
  void halfOpenMaxCallsThreeGivesThreeTrialsInTotal() {
    String name = "three-trials";
    long version = fleet.get(0).bus.send("force_open", new JsonObject().put("name", name).put("duration_ms", 400))
        .getLong("version");
    for (Fleet.Member member : fleet.members) {
      eventually(() -> member.state(name) != null && member.bus.status(name).getLong("version") >= version,
          member.id + " took the forced open");
    }
    eventually(() -> fleet.members.stream().allMatch(m -> m.bus.status(name).getLong("retry_after_ms", 0L) == 0L),
        "the open time is up everywhere");

    assertThat(acquireEverywhereAtOnce(name)).hasSize(3);
  }

  @Test
  void aFailedTrialReopensEverywhereAndTheOthersWereToldTheLeaseTimeLeft() {
    String name = openEverywhere("reopen");

    List<JsonObject> permitted = acquireEverywhereAtOnce(name);
    assertThat(permitted).hasSize(1);
    Fleet.Member holder = fleet.members.stream().filter(m -> m.id.equals(permitted.get(0).getString("instance")))
        .findFirst().orElseThrow();
    Fleet.Member other = fleet.members.stream().filter(m -> m != holder).findFirst().orElseThrow();
    JsonObject refused = other.bus.acquire(name);
    assertThat(refused.getBoolean("permitted")).isFalse();
    assertThat(refused.getLong("retry_after_ms")).isBetween(1L, 2_000L);

    holder.bus.send("record", new JsonObject().put("name", name).put("outcome", "failure")
        .put("permit", permitted.get(0).getValue("permit")));
    for (Fleet.Member member : fleet.members) {
      eventually(() -> "open".equals(member.state(name)), member.id + " reopened by the failed trial");
    }
  }

  @Test
  void aLeaseWhoseHolderNeverAnswersExpiresAndAnotherInstanceProbes() {
    String name = openEverywhere("lost");
    List<JsonObject> permitted = acquireEverywhereAtOnce(name);
    assertThat(permitted).hasSize(1);
    String holder = permitted.get(0).getString("instance");

    // The holder never records (permitTimeoutMs 2 s): its trial expires and reopens everywhere, the lease
    // expires, and after the next open time another instance may probe.
    eventually(() -> redis.command("PTTL", fleet.prefix + name + ":trial").equals("-2"), "the lease expired");
    Fleet.Member other = fleet.members.stream().filter(m -> !m.id.equals(holder)).findFirst().orElseThrow();
    JsonObject[] probe = new JsonObject[1];
    eventually(() -> (probe[0] = other.bus.acquire(name)).getBoolean("permitted"), other.id + " probes");
    assertThat(probe[0].getString("state")).as(probe[0].encode()).isEqualTo("half_open");
    assertThat(redis.command("GET", fleet.prefix + name + ":trial")).as(probe[0].encode()).startsWith(other.id + ":");
  }
}
