package io.tripstate.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Outcome;
import io.tripstate.breaker.Snapshot;
import io.tripstate.support.ManualScheduler;
import io.tripstate.support.Scrape;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The metrics listener on virtual time: persistence's figures, and breakers replaced by a late restore. */
@ExtendWith(VertxExtension.class)
class BreakerMetricsTest {
  private final ManualScheduler scheduler = ManualScheduler.atEpoch2026();
  private final MeterRegistry registry = new SimpleMeterRegistry();
  private final AtomicReference<JsonObject> status = new AtomicReference<>(new JsonObject());

  private BreakerMetrics metrics(Vertx vertx) {
    return new BreakerMetrics(vertx, vertx.getOrCreateContext(), scheduler, registry, "figures", null,
        status::get);
  }

  private double gauge(String name) {
    return registry.get(name).tag("address", "figures").gauge().value();
  }

  private double writes(String result) {
    return registry.get("tripstate.snapshot.writes").tag("result", result).functionCounter().count();
  }

  @Test
  void persistenceFiguresAreCopiedFromItsStatusEverySecondAndAMissingKeyCountsZero(Vertx vertx) {
    // Given persistence reporting every figure, the restore's included
    status.set(new JsonObject().put("connected", true).put("pending_writes", 5).put("written_writes", 30)
        .put("stale_writes", 1).put("failed_writes", 2).put("restore_duration_ms", 250).put("restored_count", 42));
    BreakerMetrics metrics = metrics(vertx);

    // When the metrics are published
    metrics.publish();

    // Then the meters show them, the duration in seconds
    assertThat(writes("written")).isEqualTo(30);
    assertThat(writes("refused")).isEqualTo(1);
    assertThat(writes("failed")).isEqualTo(2);
    assertThat(gauge("tripstate.snapshot.writes.pending")).isEqualTo(5);
    assertThat(gauge("tripstate.redis.connected")).isEqualTo(1);
    assertThat(gauge("tripstate.restored.breakers")).isEqualTo(42);
    assertThat(registry.get("tripstate.restore.duration").timeGauge().value(TimeUnit.SECONDS)).isEqualTo(0.25);

    // And when persistence is turned off (a status without those keys), a second later they are all 0
    status.set(new JsonObject().put("enabled", false).put("connected", false));
    scheduler.advanceMillis(999);
    assertThat(writes("written")).as("not yet copied").isEqualTo(30);
    scheduler.advanceMillis(1);
    assertThat(writes("written")).isZero();
    assertThat(gauge("tripstate.redis.connected")).isZero();
    assertThat(gauge("tripstate.restored.breakers")).isZero();
    metrics.close();
  }

  @Test
  void aBreakerReplacedByALateRestoreIsScrapedFromItsRestoredState(Vertx vertx) throws Exception {
    // Given a breaker that was only created here when Redis came back holding it open
    BreakerMetrics metrics = metrics(vertx);
    BreakerRegistry breakers = new BreakerRegistry(name -> BreakerSettings.DEFAULTS, 100, 1, metrics);
    breakers.getOrCreate("payments", scheduler.nowMs());
    Snapshot stored = new Snapshot("payments", BreakerState.OPEN, 5, scheduler.nowMs(), 0, 7, scheduler.nowMs());

    // When the late restore takes the stored state, and the restored breaker records a call
    breakers.mergeLate(List.of(stored));
    breakers.record("payments", Outcome.FAILURE, null, 20.0, scheduler.nowMs());

    // Then a scrape shows the restored state and the call
    Scrape scrape = Scrape.parse(metrics.scrape().await(10, TimeUnit.SECONDS).toString());
    assertThat(scrape.value("resilience4j_circuitbreaker_state", "name", "payments", "state", "open"))
        .isEqualTo(1.0);
    assertThat(scrape.value("resilience4j_circuitbreaker_calls_seconds_sum", "kind", "failed", "name",
        "payments")).isEqualTo(0.02);
    metrics.close();
  }
}
