package io.tripstate.sharing;

import static io.tripstate.support.Bus.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.sharing.TrialLeases.Lease;
import io.tripstate.support.Bus;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The trial lease against a real Redis: one holder, its time left for the others, expiry, fenced release. */
@ExtendWith(VertxExtension.class)
class TrialLeasesIntegrationTest {
  private static final long TIMEOUT_MS = 5_000;

  @AutoClose
  private final RedisServerProcess redis = RedisServerProcess.start();

  private TrialLeases leases(Vertx vertx) {
    return new TrialLeases(Redis.createClient(vertx, new RedisOptions().setConnectionString(redis.url())), "lease:",
        TIMEOUT_MS);
  }

  @Test
  void onlyTheFirstTakerHoldsTheLeaseAndTheOthersWaitItsTimeLeft(Vertx vertx) {
    TrialLeases leases = leases(vertx);

    // Given instance a takes the lease of a breaker for 10 s
    Lease first = await(leases.take("db", "a:1", 1, 10_000));

    // When instance b asks for it
    Lease second = await(leases.take("db", "b:1", 1, 10_000));

    // Then a holds it, as SET NX PX stored it, and b is told to retry after what the lease has left
    assertThat(first).isEqualTo(new Lease(true, 0));
    assertThat(redis.command("GET", "lease:db:trial")).isEqualTo("a:1");
    assertThat(second.granted()).isFalse();
    assertThat(second.retryAfterMs()).isPositive().isLessThanOrEqualTo(10_000);
    assertThat(Long.parseLong(redis.command("PTTL", "lease:db:trial"))).isPositive().isLessThanOrEqualTo(10_000);
  }

  @Test
  void aLeaseWhoseHolderVanishedExpiresAndAnotherInstanceTakesIt(Vertx vertx) {
    TrialLeases leases = leases(vertx);

    // Given a holder that never gives its 300 ms lease back
    assertThat(await(leases.take("db", "a:1", 1, 300)).granted()).isTrue();
    assertThat(await(leases.take("db", "b:1", 1, 300)).granted()).isFalse();

    // When its time is up, then another instance takes it
    Bus.eventually(() -> await(leases.take("db", "b:2", 1, 10_000)).granted(), "b takes the expired lease");
    assertThat(redis.command("GET", "lease:db:trial")).isEqualTo("b:2");
  }

  @Test
  void aReleaseGivesBackOnlyTheCallersOwnLease(Vertx vertx) {
    TrialLeases leases = leases(vertx);
    assertThat(await(leases.take("db", "a:1", 1, 10_000)).granted()).isTrue();

    // When a stale holder (another token) releases, then the lease stays with its holder
    await(leases.release("db", "b:7"));
    assertThat(redis.command("GET", "lease:db:trial")).isEqualTo("a:1");
    assertThat(await(leases.take("db", "b:8", 1, 10_000)).granted()).isFalse();

    // When the holder releases, then the lease is free at once
    await(leases.release("db", "a:1"));
    assertThat(redis.command("EXISTS", "lease:db:trial")).isEqualTo("0");
    assertThat(await(leases.take("db", "b:9", 1, 10_000)).granted()).isTrue();
  }

  @Test
  void theSetFormAdmitsExactlyMaxOfManyConcurrentTakers(Vertx vertx) {
    TrialLeases leases = leases(vertx);

    // When 10 tokens ask at once for one of 3 leases
    List<Future<Lease>> takes = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      takes.add(leases.take("db", "i" + (i % 3) + ":" + i, 3, 10_000));
    }
    await(Future.all(takes));

    // Then exactly 3 hold one, in one sorted set that expires with them; the others wait for the earliest
    assertThat(takes.stream().filter(take -> take.result().granted()).count()).isEqualTo(3);
    assertThat(takes.stream().filter(take -> !take.result().granted()).map(take -> take.result().retryAfterMs()))
        .allSatisfy(retry -> assertThat(retry).isPositive().isLessThanOrEqualTo(10_000));
    assertThat(redis.command("ZCARD", "lease:db:trial")).isEqualTo("3");
    assertThat(Long.parseLong(redis.command("PTTL", "lease:db:trial"))).isPositive().isLessThanOrEqualTo(10_000);

    // When one holder gives its lease back (and a stale token is released), then exactly one more is admitted
    String holder = redis.command("ZRANGE", "lease:db:trial", "0", "0").trim();
    await(leases.release("db", "nobody:1"));
    await(leases.release("db", holder));
    assertThat(await(leases.take("db", "late:1", 3, 10_000)).granted()).isTrue();
    assertThat(await(leases.take("db", "late:2", 3, 10_000)).granted()).isFalse();
  }

  @Test
  void expiredMembersOfTheSetFormMakeRoomForNewTakers(Vertx vertx) {
    TrialLeases leases = leases(vertx);

    // Given two short leases of two
    assertThat(await(leases.take("db", "a:1", 2, 300)).granted()).isTrue();
    assertThat(await(leases.take("db", "b:1", 2, 300)).granted()).isTrue();
    Lease refused = await(leases.take("db", "c:1", 2, 300));
    assertThat(refused.granted()).isFalse();
    assertThat(refused.retryAfterMs()).isPositive().isLessThanOrEqualTo(300);

    // When they expire, then another takes one
    Bus.eventually(() -> await(leases.take("db", "c:2", 2, 10_000)).granted(), "c takes an expired lease");
  }

  @Test
  void runsItsScriptsAgainAfterTheServerForgotThem(Vertx vertx) {
    TrialLeases leases = leases(vertx);
    assertThat(await(leases.take("db", "a:1", 1, 10_000)).granted()).isTrue();

    // When Redis loses its script cache (a restart, a failover)
    redis.command("SCRIPT", "FLUSH");

    // Then the scripts are sent again in full and still decide
    assertThat(await(leases.take("db", "b:1", 1, 10_000)).granted()).isFalse();
    await(leases.release("db", "a:1"));
    assertThat(redis.command("EXISTS", "lease:db:trial")).isEqualTo("0");
  }
}
