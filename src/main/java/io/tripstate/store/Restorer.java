package io.tripstate.store;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.config.PersistenceConfig;
import io.tripstate.engine.Scheduler;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The loads of {@link Persistence}: at deploy, bounded by {@code restoreTimeoutMs}, and late, once Redis answers
 * after it was away at deploy. Moves the lifecycle from {@code RESTORING} to {@code SYNCED} or
 * {@code UNRESTORED}, and remembers what the last successful load found. Confined to the owner's context.
 */
final class Restorer {
  private static final Logger LOG = System.getLogger(Restorer.class.getName());

  private final Scheduler scheduler;
  private final Executor owner;
  private final SnapshotStore store;
  private final PersistenceConfig config;
  private final String description;
  private final Lifecycle lifecycle;
  private final RepeatedWarning lateFailures;
  private int skipped;
  private int restoredCount;
  private Long durationMs;

  Restorer(Scheduler scheduler, Executor owner, SnapshotStore store, PersistenceConfig config, String description,
      Lifecycle lifecycle) {
    this.scheduler = scheduler;
    this.owner = owner;
    this.store = store;
    this.config = config;
    this.description = description;
    this.lifecycle = lifecycle;
    this.lateFailures = new RepeatedWarning(scheduler::nanoTime);
  }

  /**
   * Loads every snapshot into an empty registry. Always succeeds: when the store cannot be read in time the
   * breakers start in memory, unrestored.
   *
   * @param runId told the store's run id, learned before loading so that a restart right after is seen
   */
  Future<Void> atDeploy(BreakerRegistry registry, Consumer<String> runId) {
    lifecycle.moveTo(PersistencePhase.RESTORING);
    long started = scheduler.nanoTime();
    Future<SnapshotStore.LoadResult> load = store.probe().compose(id -> {
      runId.accept(id);
      return store.loadAll();
    });
    return within(load, config.restoreTimeoutMs()).transform(result -> {
      if (!lifecycle.is(PersistencePhase.RESTORING)) {
        return Future.succeededFuture();
      }
      if (result.succeeded()) {
        registry.restore(result.result().snapshots());
        finish(result.result(), "Restored", started);
      } else {
        LOG.log(Level.WARNING, "Could not restore breaker snapshots from Redis at {0} within {1,number,#} ms ({2}); "
            + "serving with in-memory state and retrying every {3,number,#} ms", description, config.restoreTimeoutMs(),
            result.cause().toString(), config.retryMs());
        lifecycle.storeFailed(result.cause());
        lifecycle.moveTo(PersistencePhase.UNRESTORED);
      }
      return Future.succeededFuture();
    });
  }

  /**
   * Loads every snapshot into a registry that served meanwhile, reconciling each breaker by the rule of
   * {@link BreakerRegistry#reconcile}.
   *
   * @param write told the name of each breaker that keeps its local state, to be written above the stored one
   */
  void late(BreakerRegistry registry, Consumer<String> write) {
    lifecycle.moveTo(PersistencePhase.RESTORING);
    long started = scheduler.nanoTime();
    within(store.loadAll(), config.restoreTimeoutMs()).onComplete(result -> {
      if (!lifecycle.is(PersistencePhase.RESTORING)) {
        return;
      }
      if (result.failed()) {
        int suppressed = lateFailures.check(result.cause().toString());
        if (suppressed >= 0) {
          LOG.log(Level.WARNING, "Late restore from Redis at {0} failed ({1}); retrying{2}", description,
              result.cause().toString(), RepeatedWarning.suppressedNote(suppressed));
        }
        lifecycle.storeFailed(result.cause());
        lifecycle.moveTo(PersistencePhase.UNRESTORED);
        return;
      }
      List<Breaker> kept = registry.mergeLate(result.result().snapshots());
      kept.forEach(breaker -> write.accept(breaker.name()));
      finish(result.result(), "Late-restored", started);
      if (!kept.isEmpty()) {
        LOG.log(Level.INFO, "{0} breaker(s) made a transition here while Redis was away; their local state wins "
            + "and is written above the stored version", kept.size());
      }
    });
  }

  /** Unreadable values the last successful load skipped. */
  int skipped() {
    return skipped;
  }

  /** Snapshots the last successful load found. */
  int restoredCount() {
    return restoredCount;
  }

  /** How long the last successful load took, ms; {@code null} until one succeeded. */
  Long durationMs() {
    return durationMs;
  }

  private void finish(SnapshotStore.LoadResult result, String verb, long startedNanos) {
    skipped = result.skipped();
    restoredCount = result.snapshots().size();
    durationMs = TimeUnit.NANOSECONDS.toMillis(scheduler.nanoTime() - startedNanos);
    LOG.log(Level.INFO, "{0} {1} breaker(s) from Redis at {2} in {3,number,#} ms ({4} unreadable, skipped)", verb,
        restoredCount, description, durationMs, skipped);
    lifecycle.moveTo(PersistencePhase.SYNCED);
  }

  /** The future's outcome on the owner's context, or a timeout after {@code timeoutMs} on the scheduler. */
  private <T> Future<T> within(Future<T> future, long timeoutMs) {
    Promise<T> promise = Promise.promise();
    long timer = scheduler.schedule(timeoutMs, () ->
        promise.tryFail(new TimeoutException("no answer within " + timeoutMs + " ms")));
    future.onComplete(result -> owner.execute(() -> {
      scheduler.cancel(timer);
      if (result.succeeded()) {
        promise.tryComplete(result.result());
      } else {
        promise.tryFail(result.cause());
      }
    }));
    return promise.future();
  }
}
