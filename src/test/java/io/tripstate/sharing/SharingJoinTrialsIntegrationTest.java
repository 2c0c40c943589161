package io.tripstate.sharing;

import static io.tripstate.support.Bus.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.support.RedisServerProcess;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * An instance that just joined a quiet fleet: its blocking read waits (up to 5 s) for an entry that does not
 * come, yet it hears the others from its first read on. Seen in the sharing benchmark: such an instance counted
 * as not connected until a read returned, so it granted trials without the lease, beside the leaseholder's.
 */
class SharingJoinTrialsIntegrationTest {
  private RedisServerProcess redis;
  private Fleet fleet;

  @BeforeEach
  void startRedis() {
    redis = RedisServerProcess.start();
    fleet = new Fleet(redis);
  }

  @AfterEach
  void stopAll() {
    fleet.close();
    redis.close();
  }

  @Test
  void anInstanceThatJustJoinedAQuietFleetTakesTheTrialLeaseLikeTheOthers() {
    // Given instance a, whose breaker opened and whose open time is up, and nothing happening since
    fleet.start(1, config -> config.getJsonObject("defaults").put("failureThreshold", 1).put("resetTimeoutMs", 300));
    Fleet.Member a = fleet.get(0);
    a.bus.record("quiet", "failure");
    eventually(() -> a.bus.status("quiet").getLong("retry_after_ms", 1L) == 0L, "the open time is up on a");

    // When instance b joins (restoring the open breaker; no transition follows, so its read waits) and both
    // are asked for a trial, b first, within b's first blocking read
    fleet.start(1, config -> config.getJsonObject("defaults").put("failureThreshold", 1).put("resetTimeoutMs", 300));
    Fleet.Member b = fleet.get(1);
    boolean bPermitted = b.bus.acquire("quiet").getBoolean("permitted");
    boolean aPermitted = a.bus.acquire("quiet").getBoolean("permitted");

    // Then one trial in total (halfOpenMaxCalls 1): b took the lease, a is refused
    assertThat(bPermitted).isTrue();
    assertThat(aPermitted).isFalse();
    assertThat(redis.command("GET", fleet.prefix + "quiet:trial")).startsWith("b:");
  }
}
