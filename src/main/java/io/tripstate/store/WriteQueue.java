package io.tripstate.store;

import io.tripstate.breaker.Snapshot;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

/**
 * Writes snapshots behind the breakers, per breaker in order: at most one write in flight per breaker,
 * later snapshots replace the waiting one (coalescing), and a failed write is retried until it lands or is
 * superseded. Its memory is bounded by one waiting snapshot per breaker.
 *
 * <p>While the store is unhealthy only one write is retried per {@code retryMs}, as a probe; when it lands,
 * everything waiting is flushed. Confined to its owner's context: every callback hops back onto it.
 */
public final class WriteQueue {
  private static final Logger LOG = System.getLogger(WriteQueue.class.getName());
  /** Under the Redis client's default pool of 6 connections with 24 waiters. */
  static final int DEFAULT_MAX_IN_FLIGHT = 16;

  private final Vertx vertx;
  private final Context owner;
  private final SnapshotStore store;
  private final long retryMs;
  private final Function<String, String> keyOf;
  private final Map<String, Snapshot> waiting = new HashMap<>();
  private final Set<String> inFlight = new HashSet<>();
  /** Breakers with a waiting snapshot that did not fit under {@link #maxInFlight}, oldest first. */
  private final Set<String> ready = new LinkedHashSet<>();
  private final int maxInFlight;
  private boolean pumpScheduled;
  private final List<Promise<Void>> drains = new ArrayList<>();
  private final RepeatedWarning failures = new RepeatedWarning();
  /** The newest version Redis confirmed per breaker, for {@link #whenWritten}. */
  private final Map<String, Long> confirmed = new HashMap<>();
  private final Map<String, List<Waiter>> waiters = new HashMap<>();
  private boolean held = true;
  private boolean healthy = true;
  private long retryTimer = -1;
  private long failedWrites;
  private long staleWrites;
  private long writtenWrites;
  private String lastError;

  /**
   * @param keyOf the store key of a breaker's name, for log lines
   */
  public WriteQueue(Vertx vertx, Context owner, SnapshotStore store, long retryMs, Function<String, String> keyOf) {
    this(vertx, owner, store, retryMs, keyOf, DEFAULT_MAX_IN_FLIGHT);
  }

  /**
   * @param maxInFlight writes in flight at once across all breakers: keep it below the Redis client's pool
   *     (connections plus waiters), or a burst of transitions would be refused by the pool, not by Redis
   */
  public WriteQueue(Vertx vertx, Context owner, SnapshotStore store, long retryMs, Function<String, String> keyOf,
      int maxInFlight) {
    this.maxInFlight = maxInFlight;
    this.vertx = vertx;
    this.owner = owner;
    this.store = store;
    this.retryMs = retryMs;
    this.keyOf = keyOf;
  }

  /** Queues the newest snapshot of a breaker; an older one than already waiting is dropped. */
  public void submit(Snapshot snapshot) {
    Snapshot previous = waiting.get(snapshot.name());
    if (previous == null || snapshot.version() >= previous.version()) {
      waiting.put(snapshot.name(), snapshot);
    }
    if (!held && healthy && !inFlight.contains(snapshot.name())) {
      dispatch(snapshot.name());
    }
  }

  /** Starts writing what was submitted while held (writes are held until the restore has finished). */
  public void release() {
    held = false;
    flush();
  }

  /** The store answered (e.g. a health probe): if it had failed before, flush everything waiting. */
  public void storeAnswered() {
    if (!healthy) {
      healthy = true;
      LOG.log(Level.INFO, "Redis answers again; writing {0} waiting snapshot(s)", waiting.size());
      flush();
    }
  }

  /** The store failed (e.g. a health probe): writes wait for the next retry. */
  public void storeFailed(Throwable error) {
    healthy = false;
    lastError = describe(error);
    scheduleRetry();
  }

  /** Completes when nothing is waiting or in flight, or after {@code timeoutMs}. */
  public Future<Void> drain(long timeoutMs) {
    held = false;
    flush();
    if (pendingWrites() == 0) {
      return Future.succeededFuture();
    }
    Promise<Void> promise = Promise.promise();
    drains.add(promise);
    vertx.setTimer(timeoutMs, id -> promise.tryComplete());
    return promise.future();
  }

  /**
   * Completes with true once Redis confirmed {@code version} (or a newer one) of a breaker, or with false
   * after {@code timeoutMs}.
   */
  public Future<Boolean> whenWritten(String name, long version, long timeoutMs) {
    Long done = confirmed.get(name);
    if (done != null && done >= version) {
      return Future.succeededFuture(true);
    }
    Promise<Boolean> promise = Promise.promise();
    Waiter waiter = new Waiter(version, promise, vertx.setTimer(timeoutMs, id -> promise.tryComplete(false)));
    waiters.computeIfAbsent(name, n -> new ArrayList<>()).add(waiter);
    return promise.future();
  }

  public boolean healthy() {
    return healthy;
  }

  /** Breakers whose newest snapshot is not yet confirmed by the store. */
  public int pendingWrites() {
    int count = inFlight.size();
    for (String name : waiting.keySet()) {
      if (!inFlight.contains(name)) {
        count++;
      }
    }
    return count;
  }

  /** Whether a snapshot of this breaker waits or is in flight. */
  public boolean isPending(String name) {
    return waiting.containsKey(name) || inFlight.contains(name);
  }

  public long failedWrites() {
    return failedWrites;
  }

  public long staleWrites() {
    return staleWrites;
  }

  /** Snapshots Redis accepted (not refused as stale), for metrics. */
  public long writtenWrites() {
    return writtenWrites;
  }

  public String lastError() {
    return lastError;
  }

  private void flush() {
    if (held) {
      return;
    }
    for (String name : new ArrayList<>(waiting.keySet())) {
      if (!inFlight.contains(name)) {
        dispatch(name);
      }
    }
  }

  /** Sends now, or queues the name when {@link #maxInFlight} writes are already out. */
  private void dispatch(String name) {
    if (inFlight.size() < maxInFlight) {
      send(name);
    } else {
      ready.add(name);
    }
  }

  /** Sends queued names while there is room. */
  private void pump() {
    // A fresh iterator each time: send() may complete at once and re-enter this queue. A pool refusal on this
    // stack schedules a pump: stop until it runs, or the refused name would be re-sent here without end.
    while (!ready.isEmpty() && inFlight.size() < maxInFlight && healthy && !held && !pumpScheduled) {
      Iterator<String> names = ready.iterator();
      String name = names.next();
      names.remove();
      if (waiting.containsKey(name) && !inFlight.contains(name)) {
        send(name);
      }
    }
  }

  private void send(String name) {
    ready.remove(name);
    Snapshot snapshot = waiting.remove(name);
    inFlight.add(name);
    OnOwner.complete(owner, store.write(snapshot), result -> done(snapshot, result));
  }

  private void done(Snapshot snapshot, AsyncResult<SnapshotStore.WriteResult> result) {
    String name = snapshot.name();
    inFlight.remove(name);
    if (result.succeeded()) {
      if (result.result() != SnapshotStore.WriteResult.STALE) {
        writtenWrites++;
      } else {
        staleWrites++;
        LOG.log(Level.WARNING, "Breaker ''{0}'': Redis key ''{1}'' holds a newer snapshot than version {2}; "
            + "not overwritten", name, keyOf.apply(name), snapshot.version());
      }
      boolean recovered = !healthy;
      healthy = true;
      failures.clear();
      confirm(name, snapshot.version());
      if (recovered) {
        LOG.log(Level.INFO, "Redis accepts writes again; writing {0} waiting snapshot(s)", waiting.size());
        flush();
      } else if (waiting.containsKey(name) && !held) {
        dispatch(name);
      }
    } else if (result.cause() instanceof ConnectionPoolTooBusyException) {
      // The client's pool is full (other commands share it): not a Redis failure. Retry from a timer, never
      // from here: the refusal can arrive on this very stack, and retrying at once would recurse.
      waiting.putIfAbsent(name, snapshot);
      ready.add(name);
      schedulePump();
      return;
    } else {
      failedWrites++;
      lastError = describe(result.cause());
      healthy = false;
      Snapshot newer = waiting.get(name);
      if (newer == null || newer.version() < snapshot.version()) {
        waiting.put(name, snapshot);
      }
      int suppressed = failures.check(lastError);
      if (suppressed >= 0) {
        LOG.log(Level.WARNING, "Breaker ''{0}'': writing version {1} to Redis key ''{2}'' failed ({3}); "
            + "will retry{4}", name, snapshot.version(), keyOf.apply(name), lastError,
            RepeatedWarning.suppressedNote(suppressed));
      }
      scheduleRetry();
    }
    pump();
    if (!drains.isEmpty() && pendingWrites() == 0) {
      drains.forEach(Promise::tryComplete);
      drains.clear();
    }
  }

  private record Waiter(long version, Promise<Boolean> promise, long timerId) {}

  private void confirm(String name, long version) {
    confirmed.merge(name, version, Math::max);
    List<Waiter> list = waiters.get(name);
    if (list == null) {
      return;
    }
    list.removeIf(waiter -> {
      boolean done = waiter.version() <= version || waiter.promise().future().isComplete();
      if (done) {
        vertx.cancelTimer(waiter.timerId());
        waiter.promise().tryComplete(true);
      }
      return done;
    });
    if (list.isEmpty()) {
      waiters.remove(name);
    }
  }

  private void schedulePump() {
    if (!pumpScheduled) {
      pumpScheduled = true;
      vertx.setTimer(20, id -> {
        pumpScheduled = false;
        pump();
      });
    }
  }

  private void scheduleRetry() {
    if (retryTimer >= 0) {
      return;
    }
    retryTimer = vertx.setTimer(retryMs, id -> {
      retryTimer = -1;
      if (!held && !healthy) {
        // One write probes the store; when it lands, done() flushes the rest.
        waiting.keySet().stream().filter(n -> !inFlight.contains(n)).findFirst().ifPresent(this::send);
      }
    });
  }

  private static String describe(Throwable error) {
    String message = error.getMessage();
    // Redis's own error replies ("WRONGPASS ...") read best without the client's class name.
    if (message != null && "ErrorType".equals(error.getClass().getSimpleName())) {
      return message;
    }
    return error.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
