package io.tripstate.sharing;

import static io.tripstate.support.Bus.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.support.RedisServerProcess;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.Test;

/** A breaker kept local with sharing on, and an instance with sharing off next to sharing ones. */
class SharingPresenceIntegrationTest {

  @Test
  void aBreakerOptedOutStaysWithItsInstanceAndIsStoredUnderItsOwnKey() {
    try (RedisServerProcess redis = RedisServerProcess.start();
         Fleet fleet = new Fleet(redis).start(2, config -> config.put("breakers", new JsonObject()
             .put("local-cache", new JsonObject().put("shared", false))))) {
      // When a opens its local breaker, and b its own of the same name stays closed
      for (int i = 0; i < 3; i++) {
        fleet.get(0).bus.record("local-cache", "failure");
      }
      fleet.get(0).bus.send("force_open", new JsonObject().put("name", "shared-one"));
      eventually(() -> "forced_open".equals(fleet.get(1).state("shared-one")),
          "the shared breaker reached b");

      // Then b's breaker of that name is untouched, and a's is stored under a's own key, not the shared one
      assertThat(fleet.get(0).bus.status("local-cache").getString("state")).isEqualTo("open");
      assertThat(fleet.get(0).bus.status("local-cache").getBoolean("shared")).isFalse();
      assertThat(fleet.get(1).bus.acquire("local-cache").getBoolean("permitted")).isTrue();
      assertThat(fleet.stored("local-cache")).isNull();
      eventually(() -> redis.command("GET", fleet.prefix + "~a~local-cache:state") != null, "a's own key written");
      assertThat(new JsonObject(redis.command("GET", fleet.prefix + "~a~local-cache:state")).getString("state"))
          .isEqualTo("open");

      // And after a restart a gets its own breaker back, b does not see it
      fleet.get(0).undeploy();
      fleet.get(0).deploy();
      assertThat(fleet.get(0).bus.status("local-cache").getString("state")).isEqualTo("open");
      assertThat(fleet.get(0).bus.status("shared-one").getString("state")).isEqualTo("forced_open");
    }
  }

  @Test
  void anInstanceWithSharingOffNextToALiveOneOnTheSamePrefixReportsIt() {
    try (RedisServerProcess redis = RedisServerProcess.start(); Fleet fleet = new Fleet(redis).start(1, c -> { })) {
      // When a second instance starts on the same prefix with sharing off
      fleet.start(1, config -> config.getJsonObject("sharing").put("enabled", false));

      // Then both report the other as a conflict, naming it
      eventually(() -> fleet.get(1).bus.statusAll().getJsonObject("sharing").getJsonArray("conflicts").contains("a"),
          "b (sharing off) names a");
      eventually(() -> fleet.get(0).bus.statusAll().getJsonObject("sharing").getJsonArray("conflicts").contains("b"),
          "a names b");
      assertThat(fleet.get(1).bus.statusAll().getJsonObject("sharing").getBoolean("enabled")).isFalse();
    }
  }
}
