package io.tripstate.sharing;

import static io.tripstate.support.Bus.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Decision;
import io.tripstate.breaker.Outcome;
import io.tripstate.support.Bus;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Three instances (each its own engine, owner context, Redis client and instance id) share one Redis: after the
 * open time, trials across all of them are granted only through the trial lease.
 */
@ExtendWith(VertxExtension.class)
class TrialGateIntegrationTest {
  private static final long RESET_MS = 1_000;
  private static final long COMMAND_TIMEOUT_MS = 5_000;

  @AutoClose
  private final RedisServerProcess redis = RedisServerProcess.start();

  private static BreakerSettings settings(int halfOpenMaxCalls, long permitTimeoutMs) {
    return BreakerSettings.builder().failureThreshold(1).resetTimeoutMs(RESET_MS).halfOpenMaxCalls(halfOpenMaxCalls)
        .permitTimeoutMs(permitTimeoutMs).build();
  }

  private List<SharingInstance> instances(Vertx vertx, BreakerSettings settings, long commandTimeoutMs) {
    List<SharingInstance> instances = new ArrayList<>();
    for (String id : List.of("a", "b", "c")) {
      instances.add(new SharingInstance(vertx, id, redis.url(), settings, commandTimeoutMs));
    }
    return instances;
  }

  /**
   * Lease scripts Redis ran, from INFO commandstats: EVAL and EVALSHA calls that did not fail (an EVALSHA that a
   * fresh server answers with NOSCRIPT counts as a failed call; the EVAL sent after it runs the script).
   */
  private long scriptsRun() {
    long calls = 0;
    for (String line : redis.command("INFO", "commandstats").split("\r?\n")) {
      if (line.startsWith("cmdstat_eval:") || line.startsWith("cmdstat_evalsha:")) {
        calls += Long.parseLong(line.replaceAll(".*[:,]calls=(\\d+).*", "$1"))
            - Long.parseLong(line.replaceAll(".*[:,]failed_calls=(\\d+).*", "$1"));
      }
    }
    return calls;
  }

  @ParameterizedTest(name = "halfOpenMaxCalls {0}")
  @ValueSource(ints = {1, 3})
  void concurrentAcquiresOnThreeInstancesGetExactlyHalfOpenMaxCallsTrialsInTotal(int max, Vertx vertx) {
    // Given a breaker open on each of three instances, its open time up
    List<SharingInstance> instances = instances(vertx, settings(max, 10_000), COMMAND_TIMEOUT_MS);
    instances.forEach(instance -> instance.openAndWait("db", RESET_MS));
    redis.command("CONFIG", "RESETSTAT");

    // When each instance gets 30 acquires at once
    List<Future<List<Decision>>> all = instances.stream().map(instance -> instance.acquireAll("db", 30)).toList();
    await(Future.all(all));

    // Then exactly halfOpenMaxCalls trials are granted across the three, as many as Redis holds leases for
    List<Decision> decisions = all.stream().flatMap(each -> each.result().stream()).toList();
    assertThat(decisions).hasSize(90);
    assertThat(decisions.stream().filter(Decision::permitted)).hasSize(max)
        .allSatisfy(trial -> assertThat(trial.state()).isEqualTo(BreakerState.HALF_OPEN));
    assertThat(instances.stream().mapToInt(instance -> instance.on(instance.gate::heldLeases)).sum()).isEqualTo(max);
    assertThat(redis.command("EXISTS", "share:db:trial")).isEqualTo("1");
    // And an instance that holds no trial rejects every call with the lease's time left
    for (int i = 0; i < instances.size(); i++) {
      List<Decision> own = all.get(i).result();
      if (own.stream().noneMatch(Decision::permitted)) {
        assertThat(own).allSatisfy(rejected -> {
          assertThat(rejected.state()).isEqualTo(BreakerState.HALF_OPEN);
          assertThat(rejected.retryAfterMs()).isPositive().isLessThanOrEqualTo(10_000);
        });
      }
    }
    // And Redis was asked about once per instance and trial, not once per call
    assertThat(scriptsRun()).isLessThanOrEqualTo(max + instances.size());
  }

  @Test
  void aLeaseWhoseHolderVanishedLetsAnotherInstanceProbeAfterPermitTimeout(Vertx vertx) {
    // Given instance a took the trial with a 300 ms lease, and then vanished (it never records)
    List<SharingInstance> instances = instances(vertx, settings(1, 300), COMMAND_TIMEOUT_MS);
    instances.forEach(instance -> instance.openAndWait("db", RESET_MS));
    SharingInstance a = instances.get(0);
    SharingInstance b = instances.get(1);
    assertThat(a.acquire("db").permitted()).isTrue();
    Decision refused = b.acquire("db");
    assertThat(refused.permitted()).isFalse();
    assertThat(refused.retryAfterMs()).isPositive().isLessThanOrEqualTo(300);

    // When b asks again as its time passes, then once the lease expired in Redis, b gets the trial
    Bus.eventually(() -> {
      b.on(() -> {
        b.scheduler.advanceMillis(50);
        return null;
      });
      return b.acquire("db").permitted();
    }, "b probes once a's lease expired");
    assertThat(redis.command("GET", "share:db:trial")).startsWith("b:");
  }

  @Test
  void theHoldersOutcomeGivesTheLeaseBackSoTheNextOpenPeriodProbesAtOnce(Vertx vertx) {
    // Given instance a holds the trial lease for 10 s, and b was refused
    List<SharingInstance> instances = instances(vertx, settings(1, 10_000), COMMAND_TIMEOUT_MS);
    instances.forEach(instance -> instance.openAndWait("db", RESET_MS));
    SharingInstance a = instances.get(0);
    SharingInstance b = instances.get(1);
    Decision trial = a.acquire("db");
    assertThat(trial.permitted()).isTrue();
    assertThat(b.acquire("db").permitted()).isFalse();

    // When a records its trial's outcome (the breaker closes)
    a.on(() -> a.engine.record("db", Outcome.SUCCESS, trial.permit(), null));

    // Then a gives the lease back, long before it would expire
    Bus.eventually(() -> "0".equals(redis.command("EXISTS", "share:db:trial")), "the lease is given back");
    assertThat(a.on(a.gate::heldLeases)).isZero();
    // And in the next open period (b's breaker moved on, as the shared state would make it), b probes at once
    b.on(() -> b.engine.reset("db"));
    b.openAndWait("db", RESET_MS);
    assertThat(b.acquire("db").permitted()).isTrue();
    assertThat(redis.command("GET", "share:db:trial")).startsWith("b:");
  }

  @Test
  void aTrialThatIsNoTrialAfterAllGivesItsLeaseBackAtOnce(Vertx vertx) {
    // Given a breaker whose open time is up, and an operator who forces it open while its lease is taken
    SharingInstance a = instances(vertx, settings(1, 10_000), COMMAND_TIMEOUT_MS).get(0);
    a.openAndWait("db", RESET_MS);
    Decision decision = await(a.onAsync(() -> {
      Future<Decision> acquired = a.gate.acquire("db");
      a.engine.forceOpen("db", null);
      return acquired;
    }));

    // Then the acquire is refused by the breaker, and the lease it took is given back
    assertThat(decision.permitted()).isFalse();
    assertThat(decision.state()).isEqualTo(BreakerState.FORCED_OPEN);
    Bus.eventually(() -> "0".equals(redis.command("EXISTS", "share:db:trial")), "the unused lease is given back");
    assertThat(a.on(a.gate::heldLeases)).isZero();
  }

  @Test
  void withRedisStalledAnInstanceDecidesAloneAfterTheCommandTimeout(Vertx vertx) {
    // Given a breaker whose open time is up, on an instance whose Redis stalls
    SharingInstance a = instances(vertx, settings(1, 10_000), 300).get(0);
    a.openAndWait("db", RESET_MS);
    a.on(() -> a.engine.status("db"));
    await(a.leases.release("db", "warm-up:0"));
    redis.pause();
    try {
      // When it acquires, then after the lease call timed out it grants the trial itself
      Decision decision = a.acquire("db");
      assertThat(decision.permitted()).isTrue();
      assertThat(decision.state()).isEqualTo(BreakerState.HALF_OPEN);
      // And the next acquire is decided at once, as any half-open rejection
      assertThat(a.on(() -> a.gate.needsLease("db"))).isFalse();
    } finally {
      redis.resume();
    }
  }
}
