package io.tripstate.store;

import io.tripstate.breaker.Snapshot;
import io.tripstate.engine.Scheduler;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Function;

/**
 * Writes snapshots behind the breakers, per breaker in order: at most one write in flight per breaker, and
 * what a write sends is taken from its {@link Source} when it is sent, so changes made meanwhile coalesce into
 * it and it is based on the newest stored version. A failed write is retried until it lands. Its memory is
 * bounded by one entry per breaker.
 *
 * <p>Whether it sends is the {@link Lifecycle}'s phase: everything while synced or stopping, nothing while the
 * store's versions are unknown (restoring), one write per {@code retryMs} while degraded, as a probe. A refused
 * write goes back to the source, which reconciles. Confined to its owner's context: every answer of the store
 * runs through the owner's executor; time comes from the {@link Scheduler}.
 */
public final class WriteQueue {
  private static final Logger LOG = System.getLogger(WriteQueue.class.getName());
  /** Under the Redis client's default pool of 6 connections with 24 waiters. */
  static final int DEFAULT_MAX_IN_FLIGHT = 16;
  /** Failed writes remembered per breaker, to recognise one that ran on the store after all. */
  static final int UNCONFIRMED_KEPT = 4;
  /** How long a write the client's pool refused waits before it is sent again, ms. */
  static final long POOL_BUSY_RETRY_MS = 20;

  /** The owner of the breakers: what to write, and what follows from the store's answer. */
  public interface Source {
    /** The write to send now for a breaker (its current snapshot), or {@code null} when it no longer exists. */
    Write next(String name);

    /** The store accepted {@code write} at {@code version}. */
    void written(Write write, long version);

    /** The store refused {@code write} because it holds another version: reconcile, and submit again to write. */
    void refused(Write write, SnapshotStore.WriteResult result);

    /** {@code write} did not land as far as is known (it failed, or the client's pool refused to send it). */
    void notWritten(Write write);
  }

  /**
   * One write as sent.
   *
   * @param snapshot the breaker's snapshot when the write was taken
   * @param baseVersion the stored version it is based on
   * @param changes the breaker's count of changes it covers (see {@code Versions#changes()})
   * @param ttlSeconds the key's TTL ({@link KeyTtl#NEVER} for none)
   */
  public record Write(Snapshot snapshot, long baseVersion, long changes, long ttlSeconds) {
    /** The snapshot as the store writes it, at version {@code baseVersion + 1}. */
    public Snapshot sent() {
      return snapshot.withVersion(baseVersion + 1);
    }
  }

  private final Scheduler scheduler;
  private final Executor owner;
  private final SnapshotStore store;
  private final long retryMs;
  private final Function<String, String> keyOf;
  private final Lifecycle lifecycle;
  private final Source source;
  private final int maxInFlight;
  /** Breakers with something to write, oldest first; a name may also be in flight (changed again meanwhile). */
  private final Set<String> waiting = new LinkedHashSet<>();
  private final Set<String> inFlight = new HashSet<>();
  /** Breakers whose write the client's pool refused; sent again from a timer. */
  private final Set<String> deferred = new LinkedHashSet<>();
  /** The first writes of a breaker that failed here since its last answer: they may still have run on the store. */
  private final Map<String, ArrayDeque<Write>> unconfirmed = new HashMap<>();
  private final List<Promise<Void>> drains = new ArrayList<>();
  private final RepeatedWarning failures;
  private boolean pumping;
  private long retryTimer = -1;
  private long deferredTimer = -1;
  private long failedWrites;
  private long refusedWrites;
  private long writtenWrites;

  /**
   * @param owner runs the store's answers on the owner's context (at once when already there)
   * @param keyOf the store key of a breaker's name, for log lines
   * @param maxInFlight writes in flight at once across all breakers: keep it below the Redis client's pool
   *     (connections plus waiters), or a burst of transitions would be refused by the pool, not by Redis
   */
  WriteQueue(Scheduler scheduler, Executor owner, SnapshotStore store, long retryMs, Function<String, String> keyOf,
      Lifecycle lifecycle, Source source, int maxInFlight) {
    this.scheduler = scheduler;
    this.owner = owner;
    this.store = store;
    this.retryMs = retryMs;
    this.keyOf = keyOf;
    this.lifecycle = lifecycle;
    this.source = source;
    this.maxInFlight = maxInFlight;
    this.failures = new RepeatedWarning(scheduler::nanoTime);
  }

  /** A breaker changed: write its current snapshot (once the one in flight, if any, has answered). */
  public void submit(String name) {
    if (!deferred.contains(name)) {
      waiting.add(name);
    }
    if (lifecycle.is(PersistencePhase.DEGRADED)) {
      // Degraded by the health probe rather than by a failed write of ours, no retry may be armed yet.
      scheduleRetry();
    }
    pump();
  }

  /** Forgets a waiting write (the breaker took a stored snapshot: it has nothing of its own left to write). */
  public void cancel(String name) {
    waiting.remove(name);
    deferred.remove(name);
    unconfirmed.remove(name);
  }

  /** The phase now lets writes out: send what waits. */
  void flush() {
    pump();
  }

  /** Completes when nothing is waiting or in flight, or after {@code timeoutMs}. */
  public Future<Void> drain(long timeoutMs) {
    pump();
    if (pendingWrites() == 0) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    drains.add(promise);
    scheduler.schedule(timeoutMs, promise::tryComplete);
    return promise.future();
  }

  /** Breakers whose current snapshot is not yet confirmed by the store. */
  public int pendingWrites() {
    int count = inFlight.size();
    for (String name : waiting) {
      if (!inFlight.contains(name)) {
        count++;
      }
    }
    for (String name : deferred) {
      if (!inFlight.contains(name)) {
        count++;
      }
    }
    return count;
  }

  /** Whether a write of this breaker waits or is in flight. */
  public boolean isPending(String name) {
    return waiting.contains(name) || inFlight.contains(name) || deferred.contains(name);
  }

  public long failedWrites() {
    return failedWrites;
  }

  /** Writes the store refused because it held another writer's version. */
  public long refusedWrites() {
    return refusedWrites;
  }

  /** Writes the store accepted, for metrics. */
  public long writtenWrites() {
    return writtenWrites;
  }

  /** Sends waiting writes while the phase lets them out and there is room; never re-entered. */
  private void pump() {
    // A store may answer on this very stack (an in-memory one, a refusing pool): its answer lands in done(),
    // which pumps again; the loop below then goes on instead.
    if (pumping) {
      return;
    }
    pumping = true;
    try {
      while (lifecycle.writesFlow() && inFlight.size() < maxInFlight) {
        String next = firstNotInFlight();
        if (next == null) {
          break;
        }
        waiting.remove(next);
        send(next);
      }
    } finally {
      pumping = false;
    }
    completeDrains();
  }

  private String firstNotInFlight() {
    for (String name : waiting) {
      if (!inFlight.contains(name)) {
        return name;
      }
    }
    return null;
  }

  private void send(String name) {
    Write write = source.next(name);
    if (write == null) {
      unconfirmed.remove(name);
      return;
    }
    inFlight.add(name);
    Future<SnapshotStore.WriteResult> answer = store.write(write.snapshot(), write.baseVersion(), write.ttlSeconds());
    answer.onComplete(result -> owner.execute(() -> done(write, result)));
  }

  private void done(Write write, AsyncResult<SnapshotStore.WriteResult> result) {
    String name = write.snapshot().name();
    inFlight.remove(name);
    if (lifecycle.is(PersistencePhase.STOPPED)) {
      return;
    }
    if (result.succeeded()) {
      failures.clear();
      // The answer first: a store that answers again lets every waiting write out, based on what it said.
      answered(write, result.result());
      lifecycle.storeAnswered();
    } else if (result.cause() instanceof ConnectionPoolTooBusyException) {
      // The client's pool is full (other commands share it): not a Redis failure. Retry from a timer, never
      // from here: the refusal can arrive on this very stack, and retrying at once would spin.
      waiting.remove(name);
      deferred.add(name);
      source.notWritten(write);
      scheduleDeferred();
    } else {
      failed(write, result.cause());
    }
    pump();
  }

  private void answered(Write write, SnapshotStore.WriteResult result) {
    String name = write.snapshot().name();
    ArrayDeque<Write> failedBefore = unconfirmed.remove(name);
    Write earlier = result.written() || failedBefore == null ? null : landedLate(failedBefore, result);
    if (result.written()) {
      writtenWrites++;
      source.written(write, result.version());
    } else if (earlier != null) {
      writtenWrites++;
      // The refusal is our own earlier write, which timed out here but ran: it is confirmed, and what it
      // did not cover is written above it.
      source.written(earlier, result.version());
      if (write.changes() > earlier.changes()) {
        waiting.add(name);
      }
    } else {
      refusedWrites++;
      source.refused(write, result);
    }
  }

  /** The failed write that the store holds after all, or {@code null}. */
  private static Write landedLate(ArrayDeque<Write> failedBefore, SnapshotStore.WriteResult result) {
    if (result.stored() == null) {
      return null;
    }
    String stored = SnapshotCodec.encode(result.stored());
    for (Write earlier : failedBefore) {
      if (result.version() == earlier.baseVersion() + 1 && stored.equals(SnapshotCodec.encode(earlier.sent()))) {
        return earlier;
      }
    }
    return null;
  }

  private void failed(Write write, Throwable error) {
    String name = write.snapshot().name();
    failedWrites++;
    source.notWritten(write);
    // The earliest are kept: of several writes based on the same version, only the first to run can land.
    ArrayDeque<Write> failedBefore = unconfirmed.computeIfAbsent(name, n -> new ArrayDeque<>(2));
    if (failedBefore.size() < UNCONFIRMED_KEPT) {
      failedBefore.addLast(write);
    }
    waiting.add(name);
    lifecycle.storeFailed(error);
    String description = Lifecycle.describe(error);
    int suppressed = failures.check(description);
    if (suppressed >= 0) {
      LOG.log(Level.WARNING, "Breaker ''{0}'': writing version {1} to Redis key ''{2}'' failed ({3}); will retry{4}",
          name, write.baseVersion() + 1, keyOf.apply(name), description, RepeatedWarning.suppressedNote(suppressed));
    }
    scheduleRetry();
  }

  private void completeDrains() {
    if (!drains.isEmpty() && pendingWrites() == 0) {
      drains.forEach(Promise::tryComplete);
      drains.clear();
    }
  }

  private void scheduleDeferred() {
    if (deferredTimer < 0) {
      deferredTimer = scheduler.schedule(POOL_BUSY_RETRY_MS, () -> {
        deferredTimer = -1;
        waiting.addAll(deferred);
        deferred.clear();
        pump();
      });
    }
  }

  /** While degraded, one write per {@code retryMs} tries the store; when it lands, the phase lets all out. */
  private void scheduleRetry() {
    if (retryTimer >= 0) {
      return;
    }
    retryTimer = scheduler.schedule(retryMs, () -> {
      retryTimer = -1;
      // A failed probe write schedules the next retry; when nothing waits, the health probe finds the way back.
      if (lifecycle.is(PersistencePhase.DEGRADED) && inFlight.size() < maxInFlight) {
        String next = firstNotInFlight();
        if (next != null) {
          waiting.remove(next);
          send(next);
        }
      }
    });
  }
}
