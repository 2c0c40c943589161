package io.tripstate.sharing;

import static io.tripstate.support.Bus.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.support.RedisServerProcess;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import org.junit.jupiter.api.Test;

/**
 * The open quorum ({@code sharing.openQuorum} 2 of 3): one instance that trips opens for itself only; the
 * breaker opens for everyone once a second instance trips; and Redis being unreachable leaves each instance
 * deciding alone.
 */
class SharingQuorumIntegrationTest {

  private static void trip(Fleet.Member member, String name) {
    for (int i = 0; i < 3; i++) {
      member.bus.record(name, "failure");
    }
  }

  @Test
  void oneInstanceTrippingOpensForItselfAndTheSecondOpensForEveryone() {
    try (RedisServerProcess redis = RedisServerProcess.start();
         Fleet fleet = new Fleet(redis).start(3, c -> c.getJsonObject("sharing").put("openQuorum", 2))) {
      String name = "quorum";
      for (Fleet.Member member : fleet.members) {
        member.bus.acquire(name);
      }

      // When a trips alone: it rejects, the others still permit, nothing shared was written
      trip(fleet.get(0), name);
      assertThat(fleet.get(0).bus.acquire(name).getBoolean("permitted")).isFalse();
      eventually(() -> redis.command("ZCARD", fleet.prefix + name + ":votes").equals("1"), "a voted");
      assertThat(fleet.get(1).bus.acquire(name).getBoolean("permitted")).isTrue();
      assertThat(fleet.get(2).bus.acquire(name).getBoolean("permitted")).isTrue();
      assertThat(fleet.stored(name)).isNull();
      long beforeQuorum = System.currentTimeMillis();

      // When b trips too: the quorum of 2 is reached and the breaker opens for all three, from that moment
      trip(fleet.get(1), name);
      for (Fleet.Member member : fleet.members) {
        eventually(() -> "open".equals(member.state(name)) && !member.bus.acquire(name).getBoolean("permitted"),
            member.id + " rejects");
      }
      eventually(() -> fleet.stored(name) != null, "the shared open is written");
      JsonObject stored = fleet.stored(name);
      assertThat(stored.getString("state")).isEqualTo("open");
      assertThat(new BigDecimal(stored.getValue("opened_at").toString()).movePointRight(3).longValue())
          .isGreaterThanOrEqualTo(beforeQuorum - 5);
    }
  }

  @Test
  void aLocalOnlyOpenEndsWithTheInstancesOwnTrialAndWritesNothing() {
    try (RedisServerProcess redis = RedisServerProcess.start();
         Fleet fleet = new Fleet(redis).start(2, c -> {
           c.getJsonObject("sharing").put("openQuorum", 2);
           c.getJsonObject("defaults").put("resetTimeoutMs", 200);
         })) {
      String name = "alone";
      trip(fleet.get(0), name);
      eventually(() -> fleet.get(0).bus.acquire(name).getBoolean("permitted"), "a's own trial after 200 ms");
      assertThat(redis.command("EXISTS", fleet.prefix + name + ":trial")).isEqualTo("0"); // no lease below quorum
      fleet.get(0).bus.record(name, "success");
      assertThat(fleet.get(0).state(name)).isEqualTo("closed");
      assertThat(fleet.stored(name)).isNull();
    }
  }

  @Test
  void withRedisUnreachableEachInstanceDecidesAloneAndSaysSo() {
    try (RedisServerProcess redis = RedisServerProcess.start();
         Fleet fleet = new Fleet(redis).start(2, c -> c.getJsonObject("defaults").put("resetTimeoutMs", 200))) {
      String name = "alone-without-redis";
      fleet.get(0).bus.acquire(name);

      // When Redis goes away
      redis.stop();
      for (Fleet.Member member : fleet.members) {
        eventually(() -> !member.bus.statusAll().getJsonObject("sharing").getBoolean("connected"),
            member.id + " reports sharing disconnected");
      }
      JsonObject health = fleet.get(0).bus.send("health", new JsonObject());
      assertThat(health.getJsonObject("sharing").getBoolean("connected")).isFalse();

      // Then a still decides: it opens on failures and grants its own trial without a lease
      trip(fleet.get(0), name);
      assertThat(fleet.get(0).bus.acquire(name).getBoolean("permitted")).isFalse();
      eventually(() -> fleet.get(0).bus.acquire(name).getBoolean("permitted"), "a's trial, no lease");
      assertThat(fleet.get(1).bus.acquire(name).getBoolean("permitted")).isTrue();

      // And when Redis is back, both read again
      redis.restart();
      for (Fleet.Member member : fleet.members) {
        eventually(() -> member.bus.statusAll().getJsonObject("sharing").getBoolean("connected"),
            member.id + " reads again");
      }
    }
  }
}
