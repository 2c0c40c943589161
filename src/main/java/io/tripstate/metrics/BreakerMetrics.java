package io.tripstate.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.Decision;
import io.tripstate.breaker.Outcome;
import io.tripstate.breaker.Transition;
import io.tripstate.breaker.WindowType;
import io.tripstate.fastpath.LocalView;
import io.tripstate.engine.Scheduler;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.core.shareddata.Shareable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The metrics of one verticle's breakers: a registry listener on the owner's event loop, and a Prometheus
 * scrape that any thread may ask for ({@link #scrape()}, served by {@code MetricsRoutes}).
 *
 * <p>Threads: the owner writes one {@link BreakerCell} per breaker and a scrape reads only the cells, never a
 * {@code Breaker}. Counters (calls, rejections) are written as they happen. The window's figures (state,
 * rates, buffered and slow calls) are recomputed by the owner from the breakers that changed since the last
 * scrape, and from every breaker with a time window, whose figures change with time alone: {@link #scrape()}
 * hops to the owner's context for that, then writes the text on a worker thread, so neither the owner nor
 * the caller's event loop waits for the text of 10,000 breakers.
 */
public final class BreakerMetrics implements BreakerRegistry.Listener, Shareable {
  /** The content type of the scrape: Prometheus's text format, version 0.0.4. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
  /** How often the owner copies persistence's counters for the meters of other scrapers and backends. */
  static final long PERSISTENCE_REFRESH_MS = 1_000;
  /** A scrape waits this long for the owner, then writes the cells as last refreshed. */
  private static final long OWNER_TIMEOUT_MS = 2_000;
  private static final String PUBLISHED = "io.tripstate.metrics";

  private static final class Tracked {
    private final BreakerCell cell;
    private Breaker breaker;
    private boolean dirty;

    Tracked(BreakerCell cell, Breaker breaker) {
      this.cell = cell;
      this.breaker = breaker;
    }
  }

  private final Vertx vertx;
  private final String address;
  private final Context owner;
  private final Scheduler scheduler;
  private final PrometheusMeterRegistry prometheus;
  private final LocalView view;
  private final Supplier<JsonObject> persistenceStatus;
  private final TripstateMeters meters;
  // Owner only.
  private final Map<String, Tracked> tracked = new HashMap<>();
  private final List<Tracked> dirty = new ArrayList<>();
  private final List<Tracked> timeWindows = new ArrayList<>();
  private long refreshTimer = -1;
  private boolean closed;
  // The breaker of the last outcome: a run of fast-path outcomes is recorded one by one on the same breaker,
  // and the owner must keep up with the callers, so the run skips the map lookup.
  private Breaker lastBreaker;
  private Tracked lastEntry;
  // Read by scrapes, on any thread.
  private final ConcurrentHashMap<String, BreakerCell> cells = new ConcurrentHashMap<>();

  /**
   * @param registry where tripstate's own meters go; its Prometheus text leads every scrape when it is (or
   *     holds) a {@link PrometheusMeterRegistry}
   * @param address the verticle's event-bus address: a tag of tripstate's own meters, and where
   *     {@code MetricsRoutes} finds these metrics
   * @param view the fast-path view whose decisions are counted, or {@code null}
   * @param persistenceStatus persistence's status JSON, read on the owner only
   */
  public BreakerMetrics(Vertx vertx, Context owner, Scheduler scheduler, MeterRegistry registry, String address,
      LocalView view, Supplier<JsonObject> persistenceStatus) {
    this.vertx = vertx;
    this.address = address;
    this.owner = owner;
    this.scheduler = scheduler;
    this.prometheus = MeterRegistries.prometheusOf(registry);
    this.view = view;
    this.persistenceStatus = persistenceStatus;
    this.meters = new TripstateMeters(registry, address, cells::size);
  }

  /** Owner only: starts copying persistence's counters, and lets {@code MetricsRoutes} find these metrics. */
  public void publish() {
    refreshPersistence();
    vertx.sharedData().<String, BreakerMetrics>getLocalMap(PUBLISHED).put(address, this);
  }

  /** The metrics published for an address in this Vert.x instance, or {@code null}. */
  public static BreakerMetrics find(Vertx vertx, String address) {
    return vertx.sharedData().<String, BreakerMetrics>getLocalMap(PUBLISHED).get(address);
  }

  /** Owner only: withdraws the metrics and takes tripstate's meters out of the registry. */
  public void close() {
    closed = true;
    scheduler.cancel(refreshTimer);
    vertx.sharedData().<String, BreakerMetrics>getLocalMap(PUBLISHED).remove(address, this);
    meters.close();
  }

  /**
   * The Prometheus text of the registry (when it is a Prometheus one) followed by every breaker's series.
   * Safe from any thread; never blocks an event loop.
   */
  public Future<Buffer> scrape() {
    Promise<Void> refreshed = Promise.promise();
    owner.runOnContext(v -> {
      refresh();
      refreshed.complete();
    });
    return refreshed.future()
        .timeout(OWNER_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .recover(busy -> Future.succeededFuture()) // an owner that does not answer: the cells as they are
        .compose(v -> vertx.executeBlocking(this::write, false));
  }

  private Buffer write() {
    int size = 64 * 1024; // Vert.x's own metrics, tripstate's meters
    for (BreakerCell cell : cells.values()) {
      size += 1_300 + 20 * cell.nameLabel().length; // 20 series per breaker: one allocation, no regrowth
    }
    Text out = new Text(size);
    if (prometheus != null) {
      try {
        prometheus.scrape(out, CONTENT_TYPE);
      } catch (IOException e) {
        throw new UncheckedIOException(e); // never: the text goes to memory
      }
    }
    BreakerSeries.write(cells.values(), out);
    return out.toBuffer();
  }

  /** Owner only: recomputes what changed, and what time changes. */
  void refresh() {
    long now = scheduler.nowMs();
    for (Tracked entry : dirty) {
      entry.dirty = false;
      publishStatus(entry, now);
    }
    dirty.clear();
    for (Tracked entry : timeWindows) {
      publishStatus(entry, now);
    }
    meters.persistence(persistenceStatus.get());
  }

  private void refreshPersistence() {
    if (!closed) {
      meters.persistence(persistenceStatus.get());
      refreshTimer = scheduler.schedule(PERSISTENCE_REFRESH_MS, this::refreshPersistence);
    }
  }

  private void publishStatus(Tracked entry, long now) {
    Breaker breaker = entry.breaker;
    entry.cell.publish(new BreakerCell.Status(breaker.state(), breaker.failureRate(now),
        breaker.slowCallRate(now), breaker.windowCounts(now)));
    if (!entry.cell.hasFastPath() && view != null) {
      LocalView.Decisions decisions = view.decisions(breaker.name());
      if (decisions != null) {
        entry.cell.fastPath(decisions);
      }
    }
  }

  private void track(Breaker breaker) {
    Tracked entry = tracked.get(breaker.name());
    if (entry == null) {
      entry = new Tracked(new BreakerCell(breaker.name()), breaker);
      tracked.put(breaker.name(), entry);
      if (breaker.settings().window().type() == WindowType.TIME) {
        timeWindows.add(entry);
      }
      publishStatus(entry, scheduler.nowMs());
      cells.put(breaker.name(), entry.cell);
    } else {
      entry.breaker = breaker; // a late restore replaces the object
      changed(breaker);
    }
  }

  private void changed(Breaker breaker) {
    Tracked entry = tracked.get(breaker.name());
    if (entry != null && !entry.dirty) {
      entry.dirty = true;
      dirty.add(entry);
    }
  }

  @Override
  public void onCreated(Breaker breaker) {
    track(breaker);
  }

  @Override
  public void onRestored(Breaker breaker) {
    track(breaker);
  }

  @Override
  public void onTransition(Breaker breaker, Transition transition) {
    meters.transition(transition.from(), transition.to());
    changed(breaker);
  }

  @Override
  public void onCounterChange(Breaker breaker) {
    changed(breaker);
  }

  @Override
  public void onRecorded(Breaker breaker, Outcome outcome, Double durationMs) {
    Tracked entry = entryOf(breaker);
    if (entry != null) {
      entry.cell.recorded(outcome, durationMs);
    }
  }

  @Override
  public void onRejected(Breaker breaker, Decision decision) {
    Tracked entry = entryOf(breaker);
    if (entry != null) {
      entry.cell.rejected();
    }
  }

  private Tracked entryOf(Breaker breaker) {
    if (breaker != lastBreaker) {
      Tracked entry = tracked.get(breaker.name());
      if (entry == null) {
        return null;
      }
      lastBreaker = breaker;
      lastEntry = entry;
    }
    return lastEntry;
  }

  @Override
  public Shareable copy() {
    return this;
  }
}
