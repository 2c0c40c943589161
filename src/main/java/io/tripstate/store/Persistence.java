package io.tripstate.store;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.Snapshot;
import io.tripstate.breaker.Transition;
import io.tripstate.config.PersistenceConfig;
import io.tripstate.engine.Scheduler;
import io.vertx.core.Future;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Keeps Redis in step with the breakers without ever making a decision wait on it: restores on deploy
 * (bounded), restores late when Redis was away, writes every transition through the {@link WriteQueue},
 * coalesces counter changes, reconciles when Redis refuses a write, probes Redis's health and rewrites
 * everything when Redis restarted. Its lifecycle is one {@link PersistencePhase}.
 *
 * <p>Confined to the owning verticle's context, like the breakers it reads: the store's answers hop there
 * through the owner executor, and every timer comes from the {@link Scheduler}.
 */
public final class Persistence implements BreakerRegistry.Listener, WriteQueue.Source {
  private static final Logger LOG = System.getLogger(Persistence.class.getName());
  /** {@link #whenWritten} of a transition that stays with this instance (see {@link SharePolicy}). */
  public static final String LOCAL = "local";


  private final Scheduler scheduler;
  private final Executor owner;
  private final SnapshotStore store;
  private final PersistenceConfig config;
  private final String description;
  private final Function<String, String> keyOf;
  private final Lifecycle lifecycle = new Lifecycle();
  private final WriteQueue queue;
  private final AckWaiters acks;
  private final Set<String> dirty = new LinkedHashSet<>();
  private final Restorer restorer;
  private BreakerRegistry registry;
  private long flushTimer = -1;
  private long probeTimer = -1;
  private String runId;
  private SharePolicy policy = SharePolicy.ALL;

  /**
   * @param owner runs the store's answers on the owner's context ({@link OnOwner#executor} in production)
   * @param store the store, or {@code null} when persistence is disabled
   * @param description where the store is (a URL with the password masked), for log lines
   * @param keyOf the store key of a breaker's name, for log lines
   */
  public Persistence(Scheduler scheduler, Executor owner, SnapshotStore store, PersistenceConfig config,
      String description, Function<String, String> keyOf) {
    this.scheduler = scheduler;
    this.owner = owner;
    this.store = store;
    this.config = config;
    this.description = description;
    this.keyOf = keyOf;
    this.acks = new AckWaiters(scheduler);
    this.restorer = new Restorer(scheduler, owner, store, config, description, lifecycle);
    this.queue = store == null ? null : new WriteQueue(scheduler, owner, store, config.retryMs(), keyOf, lifecycle,
        this, WriteQueue.DEFAULT_MAX_IN_FLIGHT);
    lifecycle.onMove(this::moved);
  }

  public boolean enabled() {
    return store != null;
  }

  /** Replaces the single-instance policy ({@link SharePolicy#ALL}); set before {@link #start}. */
  public void sharePolicy(SharePolicy sharePolicy) {
    this.policy = sharePolicy;
  }

  /** Writes a breaker's current snapshot whatever the policy says (sharing: an open the quorum agreed on). */
  public void write(String name) {
    if (store != null) {
      dirty.remove(name);
      queue.submit(name);
    }
  }

  /** Whether replies that report a transition wait for Redis ({@code ackAfterWrite}, with persistence on). */
  public boolean acknowledgesWrites() {
    return store != null && config.ackAfterWrite();
  }

  public PersistencePhase phase() {
    return lifecycle.phase();
  }

  /**
   * Restores the registry from the store, bounded by {@code restoreTimeoutMs}. Always succeeds: when the
   * store cannot be read the breakers start in memory and the restore is retried in the background.
   */
  public Future<Void> start(BreakerRegistry breakers) {
    this.registry = breakers;
    if (store == null) {
      LOG.log(Level.INFO, "Persistence is disabled: breaker state lives in memory only");
      lifecycle.moveTo(PersistencePhase.DISABLED);
      return Future.succeededFuture();
    }
    scheduleProbe();
    return restorer.atDeploy(registry, id -> runId = id);
  }

  /**
   * Writes what is pending (bounded by twice {@code commandTimeoutMs}), then closes the store. Unrestored, it
   * writes nothing: the store's versions are unknown.
   */
  public Future<Void> stop() {
    return stop(Future::succeededFuture);
  }

  /**
   * As {@link #stop()}, running {@code beforeClose} (bounded by its caller) once the writes are drained and
   * before the store closes: sharing announces the last writes and leaves there.
   */
  public Future<Void> stop(Supplier<Future<Void>> beforeClose) {
    PersistencePhase phase = lifecycle.phase();
    if (phase == PersistencePhase.STOPPING || phase == PersistencePhase.STOPPED) {
      return Future.succeededFuture();
    }
    scheduler.cancel(probeTimer);
    scheduler.cancel(flushTimer);
    if (store == null || !phase.restored()) {
      if (queue != null && (queue.pendingWrites() > 0 || !dirty.isEmpty())) {
        LOG.log(Level.WARNING, "Stopping before Redis at {0} could be restored: {1} snapshot(s) not written",
            description, queue.pendingWrites() + dirty.size());
      }
      return beforeClose.get().eventually(this::stopped);
    }
    flushDirty();
    lifecycle.moveTo(PersistencePhase.STOPPING);
    return queue.drain(2 * config.commandTimeoutMs()).eventually(beforeClose).eventually(this::stopped);
  }

  private Future<Void> stopped() {
    lifecycle.moveTo(PersistencePhase.STOPPED);
    acks.closeAll();
    return store == null ? Future.succeededFuture() : store.close();
  }

  @Override
  public void onTransition(Breaker breaker, Transition transition) {
    if (store == null) {
      storedInMemory(breaker);
      return;
    }
    if (!policy.writes(breaker, transition)) {
      breaker.versions().local();
      return;
    }
    dirty.remove(breaker.name());
    queue.submit(breaker.name());
  }

  @Override
  public void onCounterChange(Breaker breaker) {
    if (store == null) {
      storedInMemory(breaker);
      return;
    }
    if (!policy.writes(breaker, null)) {
      breaker.versions().local();
      return;
    }
    dirty.add(breaker.name());
    if (flushTimer < 0) {
      flushTimer = scheduler.schedule(config.counterFlushMs(), () -> {
        flushTimer = -1;
        flushDirty();
      });
    }
  }

  /** A breaker took a stored snapshot: what it had of its own is dropped, and replies waiting for it say so. */
  @Override
  public void onRestored(Breaker breaker) {
    if (store != null) {
      dirty.remove(breaker.name());
      queue.cancel(breaker.name());
      acks.superseded(breaker.name());
    }
  }

  /**
   * Completes once Redis holds the transition (and whatever the breaker changed after it in the same turn):
   * {@code written}; {@code pending} when not within {@code commandTimeoutMs} (the write stays queued), or when
   * too many replies wait already; {@code superseded} when Redis refused it and the breaker took the state Redis
   * holds instead; {@code local} when the transition is not written at all, as it stays with this instance (see
   * {@link SharePolicy}). With persistence disabled it completes with {@code null}: nothing to wait for.
   */
  public Future<String> whenWritten(Transition transition) {
    Breaker breaker = store == null ? null : registry.get(transition.name());
    if (breaker == null) {
      return Future.succeededFuture(store == null ? null : AckWaiters.PENDING);
    }
    if (!policy.writes(breaker, transition)) {
      return Future.succeededFuture(LOCAL);
    }
    if (!breaker.versions().unwritten()) {
      return Future.succeededFuture(AckWaiters.WRITTEN);
    }
    return acks.await(breaker.name(), breaker.versions().changes(), config.commandTimeoutMs());
  }

  @Override
  public WriteQueue.Write next(String name) {
    Breaker breaker = registry.get(name);
    if (breaker == null) {
      return null;
    }
    Snapshot snapshot = breaker.snapshot();
    breaker.versions().sending(breaker.versions().changes());
    return new WriteQueue.Write(snapshot, breaker.versions().storedVersion(), breaker.versions().changes(),
        KeyTtl.seconds(snapshot, breaker.settings(), scheduler.nowMs()));
  }

  @Override
  public void notWritten(WriteQueue.Write write) {
    Breaker breaker = registry.get(write.snapshot().name());
    if (breaker != null) {
      breaker.versions().notSent();
    }
  }

  @Override
  public void written(WriteQueue.Write write, long version) {
    Breaker breaker = registry.get(write.snapshot().name());
    if (breaker != null) {
      breaker.versions().stored(version, write.changes());
      policy.written(breaker, write.snapshot().withVersion(version));
    }
    acks.written(write.snapshot().name(), write.changes());
  }

  /** Redis holds another writer's version: the breaker reconciles with it, as in a late restore. */
  @Override
  public void refused(WriteQueue.Write write, SnapshotStore.WriteResult result) {
    String name = write.snapshot().name();
    Breaker breaker = registry.get(name);
    if (breaker == null) {
      return;
    }
    if (result.version() < breaker.versions().storedVersion()) {
      return; // an answer older than what the breaker took since (sharing: a newer announcement was applied)
    }
    String outcome;
    if (result.stored() == null) {
      breaker.versions().rebase(result.version());
      queue.submit(name);
      outcome = "it is unreadable: written above it";
    } else if (registry.reconcile(result.stored()) == BreakerRegistry.Reconciled.KEPT) {
      queue.submit(name);
      outcome = "the local " + breaker.state() + " state wins and is written above it";
    } else {
      // Taken through the registry's listener (onRestored): the engine re-arms, the fast-path view follows.
      outcome = "its " + breaker.state() + " state wins and is taken here";
    }
    // With sharing, another instance's newer version is the normal course of things, not trouble.
    LOG.log(registry.isShared(name) ? Level.DEBUG : Level.WARNING, "Breaker ''{0}'': Redis key ''{1}'' holds version "
        + "{2,number,#} of another writer, so a "
        + "write based on version {3,number,#} was refused; {4}", name, keyOf.apply(name), result.version(),
        write.baseVersion(), outcome);
  }

  /** {@code {"enabled", "connected", "pending_writes", "failed_writes", "last_error", "phase", ...}}. */
  public JsonObject status() {
    JsonObject status = new JsonObject()
        .put("enabled", store != null)
        .put("phase", lifecycle.phase().wireName())
        .put("restored_count", restorer.restoredCount())
        .put("restore_duration_ms", restorer.durationMs());
    if (store == null) {
      return status.put("connected", false).put("pending_writes", 0).put("failed_writes", 0)
          .putNull("last_error");
    }
    return status
        .put("connected", lifecycle.is(PersistencePhase.SYNCED))
        .put("pending_writes", queue.pendingWrites() + (int) dirty.stream().filter(n -> !queue.isPending(n)).count())
        .put("failed_writes", queue.failedWrites())
        .put("last_error", lifecycle.lastError())
        .put("restored", restorer.durationMs() != null)
        .put("skipped_snapshots", restorer.skipped())
        .put("stale_writes", queue.refusedWrites())
        .put("written_writes", queue.writtenWrites())
        .put("ack_waiters", acks.size());
  }

  /** {@code UP}, {@code DOWN} or {@code DISABLED}. */
  public String health() {
    if (store == null) {
      return "DISABLED";
    }
    return lifecycle.is(PersistencePhase.SYNCED) ? "UP" : "DOWN";
  }

  /** Replies waiting for Redis ({@code ackAfterWrite}). */
  int ackWaiters() {
    return acks.size();
  }

  private void moved(PersistencePhase from, PersistencePhase to) {
    if (to == PersistencePhase.DEGRADED) {
      LOG.log(Level.WARNING, "Redis at {0} fails ({1}); decisions go on, snapshots wait and are retried every "
          + "{2,number,#} ms", description, lifecycle.lastError(), config.retryMs());
    } else if (from == PersistencePhase.DEGRADED && to == PersistencePhase.SYNCED) {
      LOG.log(Level.INFO, "Redis at {0} answers again; writing {1} waiting snapshot(s)", description,
          queue.pendingWrites());
    }
    if (queue != null && lifecycle.writesFlow()) {
      queue.flush();
    }
  }

  private void scheduleProbe() {
    probeTimer = scheduler.schedule(config.retryMs(), () -> {
      scheduleProbe();
      probe();
    });
  }

  private void probe() {
    store.probe().onComplete(result -> owner.execute(() -> {
      PersistencePhase phase = lifecycle.phase();
      // Restoring, the load answers for Redis; stopping, nothing is decided any more.
      if (phase != PersistencePhase.UNRESTORED && phase != PersistencePhase.SYNCED
          && phase != PersistencePhase.DEGRADED) {
        return;
      }
      if (result.failed()) {
        // A refusal of the client's own pool (other commands fill it) says nothing of Redis: as in WriteQueue.
        if (!(result.cause() instanceof ConnectionPoolTooBusyException)) {
          lifecycle.storeFailed(result.cause());
        }
        return;
      }
      String newRunId = result.result();
      boolean restartedServer = runId != null && !runId.isEmpty() && !runId.equals(newRunId);
      runId = newRunId;
      if (phase == PersistencePhase.UNRESTORED) {
        restorer.late(registry, queue::submit);
        return;
      }
      lifecycle.storeAnswered();
      if (restartedServer) {
        rewriteAll();
      }
    }));
  }

  /** Redis restarted (its run id changed) and may have lost everything: write every breaker again. */
  private void rewriteAll() {
    int count = 0;
    for (Breaker breaker : registry.all()) {
      if (breaker.version() > 0) {
        queue.submit(breaker.name());
        count++;
      }
    }
    LOG.log(Level.WARNING, "Redis at {0} restarted; rewriting {1} snapshot(s)", description, count);
  }

  private void flushDirty() {
    for (String name : dirty) {
      queue.submit(name);
    }
    dirty.clear();
  }

  /** Without a store, every change counts as stored at once, so versions grow by one per change. */
  private static void storedInMemory(Breaker breaker) {
    breaker.versions().stored(breaker.version(), breaker.versions().changes());
  }
}
