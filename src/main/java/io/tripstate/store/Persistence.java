package io.tripstate.store;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.Transition;
import io.tripstate.config.PersistenceConfig;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Keeps Redis in step with the breakers without ever making a decision wait on it: restores on deploy
 * (bounded), restores late when Redis was away, writes every transition through the {@link WriteQueue},
 * coalesces counter changes, probes Redis's health and rewrites everything when Redis restarted.
 *
 * <p>Confined to the owning verticle's context, like the breakers it reads.
 */
public final class Persistence implements BreakerRegistry.Listener {
  private static final Logger LOG = System.getLogger(Persistence.class.getName());

  private final Vertx vertx;
  private final Context owner;
  private final SnapshotStore store;
  private final PersistenceConfig config;
  private final String description;
  private final WriteQueue queue;
  private final Set<String> dirty = new LinkedHashSet<>();
  private BreakerRegistry registry;
  private long flushTimer = -1;
  private long probeTimer = -1;
  private boolean restored;
  private boolean restoring;
  private boolean stopped;
  private boolean connected;
  private int skipped;
  private String runId;
  private Runnable afterLateRestore = () -> { };
  private final RepeatedWarning restoreFailures = new RepeatedWarning();
  private Transition unacknowledged;

  /**
   * @param store the store, or {@code null} when persistence is disabled
   * @param description where the store is (a URL with the password masked), for log lines
   * @param keyOf the store key of a breaker's name, for log lines
   */
  public Persistence(Vertx vertx, Context owner, SnapshotStore store, PersistenceConfig config, String description,
      Function<String, String> keyOf) {
    this.vertx = vertx;
    this.owner = owner;
    this.store = store;
    this.config = config;
    this.description = description;
    this.queue = store == null ? null : new WriteQueue(vertx, owner, store, config.retryMs(), keyOf);
  }

  /** Runs after a late restore changed the registry (the owner re-arms its deadline timer). */
  public void afterLateRestore(Runnable action) {
    this.afterLateRestore = action;
  }

  public boolean enabled() {
    return store != null;
  }

  /**
   * Restores the registry from the store, bounded by {@code restoreTimeoutMs}. Always succeeds: when the
   * store cannot be read the breakers start in memory and the restore is retried in the background.
   */
  public Future<Void> start(BreakerRegistry breakers) {
    this.registry = breakers;
    if (store == null) {
      LOG.log(Level.INFO, "Persistence is disabled: breaker state lives in memory only");
      return Future.succeededFuture();
    }
    probeTimer = vertx.setPeriodic(config.retryMs(), id -> probe());
    long started = System.nanoTime();
    restoring = true;
    // The run id is learned before loading, so that a restart of Redis right after the restore is seen.
    Future<SnapshotStore.LoadResult> load = store.probe()
        .compose(id -> {
          runId = id;
          return store.loadAll();
        })
        .timeout(config.restoreTimeoutMs(), TimeUnit.MILLISECONDS);
    return load.transform(result -> {
      restoring = false;
      if (result.succeeded()) {
        registry.restore(result.result().snapshots());
        finishRestore(result.result(), "Restored", started);
      } else {
        LOG.log(Level.WARNING, "Could not restore breaker snapshots from Redis at {0} within {1,number,#} ms ({2}); "
            + "serving with in-memory state and retrying every {3,number,#} ms", description, config.restoreTimeoutMs(),
            result.cause().toString(), config.retryMs());
        queue.storeFailed(result.cause());
      }
      return Future.succeededFuture();
    });
  }

  /** Writes what is pending (bounded by twice {@code commandTimeoutMs}), then closes the store. */
  public Future<Void> stop() {
    if (store == null) {
      return Future.succeededFuture();
    }
    stopped = true;
    vertx.cancelTimer(probeTimer);
    vertx.cancelTimer(flushTimer);
    flushDirty();
    if (!restored && queue.pendingWrites() > 0) {
      // Unrestored, local versions may be below Redis's: writing them blind could lose either side.
      LOG.log(Level.WARNING, "Stopping before Redis at {0} could be restored: {1} snapshot(s) not written",
          description, queue.pendingWrites());
    }
    Future<Void> drained = restored ? queue.drain(2 * config.commandTimeoutMs()) : Future.succeededFuture();
    return drained.eventually(store::close);
  }

  @Override
  public void onTransition(Breaker breaker, Transition transition) {
    if (store != null) {
      dirty.remove(breaker.name());
      queue.submit(breaker.snapshot());
      unacknowledged = transition;
    }
  }

  /**
   * With {@code ackAfterWrite}, the transition the current request caused (if any), to hold its reply until
   * Redis confirmed it; clears it. {@code null} when there is nothing to wait for.
   */
  public Transition takeTransitionToAcknowledge() {
    Transition transition = unacknowledged;
    unacknowledged = null;
    return config.ackAfterWrite() ? transition : null;
  }

  /** Completes with {@code written}, or {@code pending} when Redis did not confirm within commandTimeoutMs. */
  public Future<String> whenWritten(Transition transition) {
    return queue.whenWritten(transition.name(), transition.version(), config.commandTimeoutMs())
        .map(written -> written ? "written" : "pending");
  }

  @Override
  public void onCounterChange(Breaker breaker) {
    if (store != null) {
      dirty.add(breaker.name());
      if (flushTimer < 0) {
        flushTimer = vertx.setTimer(config.counterFlushMs(), id -> {
          flushTimer = -1;
          flushDirty();
        });
      }
    }
  }

  /** {@code {"enabled", "connected", "pending_writes", "failed_writes", "last_error", ...}}. */
  public JsonObject status() {
    JsonObject status = new JsonObject().put("enabled", store != null);
    if (store == null) {
      return status.put("connected", false).put("pending_writes", 0).put("failed_writes", 0)
          .putNull("last_error");
    }
    return status
        .put("connected", connected && queue.healthy())
        .put("pending_writes", queue.pendingWrites() + (int) dirty.stream().filter(n -> !queue.isPending(n)).count())
        .put("failed_writes", queue.failedWrites())
        .put("last_error", queue.lastError())
        .put("restored", restored)
        .put("skipped_snapshots", skipped)
        .put("stale_writes", queue.staleWrites())
        .put("written_writes", queue.writtenWrites());
  }

  /** {@code UP}, {@code DOWN} or {@code DISABLED}. */
  public String health() {
    if (store == null) {
      return "DISABLED";
    }
    return connected && restored && queue.healthy() ? "UP" : "DOWN";
  }

  private void probe() {
    onOwner(store.probe(), result -> {
      if (stopped) {
        return;
      }
      if (result.failed()) {
        if (connected) {
          LOG.log(Level.WARNING, "Redis at {0} does not answer ({1}); decisions go on, snapshots wait",
              description, result.cause().toString());
        }
        connected = false;
        queue.storeFailed(result.cause());
        return;
      }
      connected = true;
      String newRunId = result.result();
      boolean restartedServer = runId != null && !runId.isEmpty() && !runId.equals(newRunId);
      runId = newRunId;
      queue.storeAnswered();
      if (!restored && !restoring) {
        lateRestore();
      } else if (restartedServer && restored) {
        rewriteAll();
      }
    });
  }

  private void lateRestore() {
    restoring = true;
    long started = System.nanoTime();
    onOwner(store.loadAll().timeout(config.restoreTimeoutMs(), TimeUnit.MILLISECONDS), result -> {
      restoring = false;
      if (stopped) {
        return;
      }
      if (result.failed()) {
        int suppressed = restoreFailures.check(result.cause().toString());
        if (suppressed >= 0) {
          LOG.log(Level.WARNING, "Late restore from Redis at {0} failed ({1}); retrying{2}", description,
              result.cause().toString(), RepeatedWarning.suppressedNote(suppressed));
        }
        return;
      }
      List<Breaker> rebased = registry.mergeLate(result.result().snapshots());
      rebased.forEach(breaker -> queue.submit(breaker.snapshot()));
      finishRestore(result.result(), "Late-restored", started);
      afterLateRestore.run();
      if (!rebased.isEmpty()) {
        LOG.log(Level.INFO, "{0} breaker(s) changed here while Redis was away; their local state wins",
            rebased.size());
      }
    });
  }

  private void finishRestore(SnapshotStore.LoadResult result, String verb, long startedNanos) {
    restored = true;
    connected = true;
    skipped = result.skipped();
    long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
    LOG.log(Level.INFO, "{0} {1} breaker(s) from Redis at {2} in {3,number,#} ms ({4} unreadable, skipped)", verb,
        result.snapshots().size(), description, ms, result.skipped());
    queue.release();
  }

  /** Redis restarted (its run id changed) and may have lost everything: write every breaker again. */
  private void rewriteAll() {
    int count = 0;
    for (Breaker breaker : registry.all()) {
      if (breaker.version() > 0) {
        queue.submit(breaker.snapshot());
        count++;
      }
    }
    LOG.log(Level.WARNING, "Redis at {0} restarted; rewriting {1} snapshot(s)", description, count);
  }

  private void flushDirty() {
    for (String name : dirty) {
      Breaker breaker = registry.get(name);
      if (breaker != null) {
        queue.submit(breaker.snapshot());
      }
    }
    dirty.clear();
  }

  private <T> void onOwner(Future<T> future, Handler<AsyncResult<T>> handler) {
    OnOwner.complete(owner, future, handler);
  }
}
