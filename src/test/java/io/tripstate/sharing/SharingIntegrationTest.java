package io.tripstate.sharing;

import static io.tripstate.support.Bus.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.support.RedisServerProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Three instances sharing breakers through one real Redis: every kind of transition reaches every instance. */
class SharingIntegrationTest {
  private static RedisServerProcess redis;
  private static Fleet fleet;

  @BeforeAll
  static void startFleet() {
    redis = RedisServerProcess.start();
    fleet = new Fleet(redis).start(3, config -> config.getJsonObject("breakers", new JsonObject()));
  }

  @AfterAll
  static void stopFleet() {
    if (fleet != null) {
      fleet.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  private static String name() {
    return "dep-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static String state(Fleet.Member member, String name) {
    return member.bus.status(name).getString("state");
  }

  @Test
  void anOpenMadeOnOneInstanceMakesEveryInstanceReject() {
    // Given a breaker the three instances know closed
    String name = name();
    for (Fleet.Member member : fleet.members) {
      assertThat(member.bus.acquire(name).getBoolean("permitted")).isTrue();
    }

    // When instance a sees three failures
    for (int i = 0; i < 3; i++) {
      fleet.get(0).bus.record(name, "failure");
    }

    // Then b and c reject too, with the time a's open has left, and publish it with a as its origin
    for (Fleet.Member member : fleet.members.subList(1, 3)) {
      eventually(() -> !member.bus.acquire(name).getBoolean("permitted"), member.id + " rejects");
      JsonObject rejected = member.bus.acquire(name);
      assertThat(rejected.getString("state")).isEqualTo("open");
      assertThat(rejected.getLong("retry_after_ms")).isBetween(50_000L, 60_000L);
      eventually(() -> member.events.stream().anyMatch(e -> name.equals(e.getString("name"))
          && "open".equals(e.getString("to")) && "a".equals(e.getString("origin"))), member.id + " published it");
    }
    JsonObject stored = fleet.stored(name);
    assertThat(stored.getString("state")).isEqualTo("open");
    assertThat(stored.getString("instance")).isEqualTo("a");
    assertThat(fleet.get(1).bus.status(name).getString("instance")).isEqualTo("a");
    assertThat(fleet.get(1).bus.status(name).getBoolean("shared")).isTrue();
  }

  @Test
  void operatorActionsOnAnyInstanceReachTheOthers() {
    String name = name();
    fleet.get(0).bus.acquire(name);

    // force_open on b
    fleet.get(1).bus.send("force_open", new JsonObject().put("name", name));
    for (Fleet.Member member : fleet.members) {
      eventually(() -> "forced_open".equals(state(member, name)), member.id + " forced open");
    }
    // disable on c
    fleet.get(2).bus.send("disable", new JsonObject().put("name", name));
    for (Fleet.Member member : fleet.members) {
      eventually(() -> "disabled".equals(state(member, name)), member.id + " disabled");
    }
    // reset on a
    fleet.get(0).bus.send("reset", new JsonObject().put("name", name));
    for (Fleet.Member member : fleet.members) {
      eventually(() -> "closed".equals(state(member, name)), member.id + " closed");
    }
    // Then Redis went through one version per transition, and every instance reports the last
    long version = fleet.stored(name).getLong("version");
    assertThat(version).isEqualTo(3);
    for (Fleet.Member member : fleet.members) {
      eventually(() -> member.bus.status(name).getLong("version") == version, member.id + " at version 3");
    }
  }

  @Test
  void countersStayLocal() {
    // Given two failures on a and two on b (threshold 3)
    String name = name();
    fleet.get(0).bus.record(name, "failure");
    fleet.get(0).bus.record(name, "failure");
    fleet.get(1).bus.record(name, "failure");
    fleet.get(1).bus.record(name, "failure");

    // Then nothing opens, each counts its own, and nothing is written to the shared key
    assertThat(state(fleet.get(0), name)).isEqualTo("closed");
    assertThat(fleet.get(0).bus.status(name).getInteger("failure_count")).isEqualTo(2);
    assertThat(fleet.get(2).bus.send("status", new JsonObject()).getJsonArray("breakers").stream()
        .map(b -> ((JsonObject) b).getString("name")).toList()).doesNotContain(name);
    assertThat(fleet.stored(name)).isNull();
  }

  @Test
  void everyInstanceIsListedWithItsHeartbeat() {
    JsonObject answer = fleet.get(1).bus.send("instances", new JsonObject());
    assertThat(answer.getString("instance")).isEqualTo("b");
    JsonArray instances = answer.getJsonArray("instances");
    List<String> ids = instances.stream().map(i -> ((JsonObject) i).getString("instance")).sorted().toList();
    assertThat(ids).containsExactly("a", "b", "c");
    assertThat(answer.encode()).as("epoch seconds with a plain fraction").doesNotContain("E9");
    assertThat(instances.getJsonObject(0).getValue("started_at").toString()).matches("\\d{10}\\.\\d{1,3}");
    JsonObject status = fleet.get(0).bus.send("status", new JsonObject()).getJsonObject("sharing");
    assertThat(status.getBoolean("connected")).isTrue();
    assertThat(status.getString("instance")).isEqualTo("a");
    eventually(() -> fleet.get(0).bus.send("status", new JsonObject()).getJsonObject("sharing")
        .getInteger("live_peers") == 2, "a sees two peers");
    assertThat(fleet.get(2).bus.send("status", new JsonObject()).getJsonObject("sharing").getJsonArray("conflicts"))
        .isEmpty();
  }
}
