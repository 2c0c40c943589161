package io.tripstate.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.TimeGauge;
import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerState;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import java.util.function.ToDoubleFunction;

/**
 * tripstate's own meters, not per breaker, registered as ordinary Micrometer meters so that every backend of
 * the registry gets them: transitions by {@code from}/{@code to}, snapshot writes by result, pending writes,
 * Redis connected, the restore's duration and size, and the number of breakers. Each carries the verticle's
 * event-bus {@code address}: two verticles may share a registry (e.g. the one Vert.x reports to), and meters of
 * the same name and tags would be one meter, bound to whichever registered first. Persistence's figures are
 * copied by the owner ({@link #persistence(JsonObject)}) into one immutable value that the meters read from
 * any thread.
 */
final class TripstateMeters {
  /** Persistence's counters as its status reports them (0 for a key it does not report). */
  record PersistenceFigures(long written, long refused, long failed, long pending, boolean connected,
      long restoreDurationMs, long restoredCount) {

    static PersistenceFigures of(JsonObject status) {
      return new PersistenceFigures(number(status, "written_writes"), number(status, "stale_writes"),
          number(status, "failed_writes"), number(status, "pending_writes"),
          Boolean.TRUE.equals(status.getValue("connected")), number(status, "restore_duration_ms"),
          number(status, "restored_count"));
    }

    private static long number(JsonObject status, String key) {
      return status.getValue(key) instanceof Number number ? number.longValue() : 0;
    }
  }

  private static final PersistenceFigures NONE = new PersistenceFigures(0, 0, 0, 0, false, 0, 0);

  private final MeterRegistry registry;
  private final Tags addressTag;
  private final List<Meter> meters = new ArrayList<>();
  private final Counter[][] transitions;
  private volatile PersistenceFigures persistence = NONE;

  TripstateMeters(MeterRegistry registry, String address, IntSupplier breakers) {
    this.registry = registry;
    this.addressTag = Tags.of("address", address);
    BreakerState[] states = BreakerState.values();
    transitions = new Counter[states.length][states.length];
    // Every legal move, from the start: a rate over a counter that appears late misses its first increase.
    for (BreakerState from : states) {
      for (BreakerState to : states) {
        if (Breaker.isLegal(from, to)) {
          transitions[from.ordinal()][to.ordinal()] = add(Counter.builder("tripstate.transitions")
              .description("Breaker transitions by state before and after (a reset counts, even closed to closed)")
              .tags(addressTag).tag("from", from.wireName()).tag("to", to.wireName()).register(registry));
        }
      }
    }
    writes("written", PersistenceFigures::written);
    writes("refused", PersistenceFigures::refused);
    writes("failed", PersistenceFigures::failed);
    gauge("tripstate.snapshot.writes.pending", "Breakers whose newest snapshot Redis has not confirmed yet",
        PersistenceFigures::pending);
    gauge("tripstate.redis.connected", "1 when Redis answers, 0 when it does not or persistence is off",
        f -> f.connected() ? 1 : 0);
    gauge("tripstate.restored.breakers", "Breakers restored from Redis at the last restore",
        PersistenceFigures::restoredCount);
    add(TimeGauge.builder("tripstate.restore.duration", this, TimeUnit.MILLISECONDS,
            m -> m.persistence.restoreDurationMs())
        .description("How long the last restore from Redis took").tags(addressTag).strongReference(true)
        .register(registry));
    add(Gauge.builder("tripstate.breakers", breakers, IntSupplier::getAsInt)
        .description("Breakers this verticle owns").tags(addressTag).strongReference(true).register(registry));
  }

  /** Owner only. */
  void transition(BreakerState from, BreakerState to) {
    Counter counter = transitions[from.ordinal()][to.ordinal()];
    if (counter != null) {
      counter.increment();
    }
  }

  /** Owner only: copies persistence's status. */
  void persistence(JsonObject status) {
    persistence = PersistenceFigures.of(status);
  }

  /** Takes the meters out of the registry (a redeployed verticle registers its own). */
  void close() {
    meters.forEach(registry::remove);
    meters.clear();
  }

  private void writes(String result, ToDoubleFunction<PersistenceFigures> figure) {
    add(FunctionCounter.builder("tripstate.snapshot.writes", this, m -> figure.applyAsDouble(m.persistence))
        .description("Snapshot writes by result: written (Redis accepted it), refused (Redis held a newer "
            + "version), failed (retried until it lands or is superseded)")
        .tags(addressTag).tag("result", result).register(registry));
  }

  private void gauge(String name, String description, ToDoubleFunction<PersistenceFigures> figure) {
    add(Gauge.builder(name, this, m -> figure.applyAsDouble(m.persistence)).description(description)
        .tags(addressTag).strongReference(true).register(registry));
  }

  private <M extends Meter> M add(M meter) {
    meters.add(meter);
    return meter;
  }
}
