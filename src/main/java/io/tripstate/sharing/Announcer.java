package io.tripstate.sharing;

import io.tripstate.breaker.Snapshot;
import io.tripstate.engine.Scheduler;
import io.tripstate.store.RepeatedWarning;
import io.tripstate.store.SnapshotCodec;
import io.vertx.core.Future;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Announces the snapshots this instance wrote on the {@link TransitionStream}: at once, and again every
 * {@code retryMs} while it fails, the newest per breaker only (the others apply a version only when it is above
 * theirs, so an older one left unannounced is no loss). At most {@link #MAX_IN_FLIGHT} appends are out at once,
 * so that a burst of transitions cannot fill the Redis client's pool, which writes, heartbeats and trial leases
 * share; the client's own pool refusal is retried after a few milliseconds, not after {@code retryMs}.
 * Confined to the owner's event loop.
 */
final class Announcer {
  private static final Logger LOG = System.getLogger(Announcer.class.getName());

  private record Pending(Snapshot stored, String reason) {}

  /** Appends out at once; under the client's default pool of 6 connections and 24 waiters, beside the writes. */
  static final int MAX_IN_FLIGHT = 8;
  /** How long an append the client's pool refused waits, ms. */
  static final long POOL_BUSY_RETRY_MS = 20;

  private final TransitionStream stream;
  private final String instanceId;
  private final Scheduler scheduler;
  private final OnOwnerFutures owner;
  private final long retryMs;
  private final RepeatedWarning warnings;
  private final Map<String, Pending> unannounced = new LinkedHashMap<>();
  private final Set<String> inFlight = new HashSet<>();
  private long retryTimer = -1;
  private long announced;

  Announcer(TransitionStream stream, String instanceId, Scheduler scheduler, OnOwnerFutures owner, long retryMs) {
    this.stream = stream;
    this.instanceId = instanceId;
    this.scheduler = scheduler;
    this.owner = owner;
    this.retryMs = retryMs;
    this.warnings = new RepeatedWarning(scheduler::nanoTime);
  }

  /** Announces a snapshot as stored, with the reason of the transition it holds. */
  void announce(Snapshot stored, String reason) {
    unannounced.put(stored.name(), new Pending(stored, reason));
    send(stored.name());
  }

  long announced() {
    return announced;
  }

  int unannounced() {
    return unannounced.size();
  }

  /** Sends what is still unannounced once more (the last step before the Redis client closes). */
  Future<Void> flush() {
    scheduler.cancel(retryTimer);
    List<Future<String>> last = unannounced.values().stream().map(pending -> stream.announce(
        pending.stored().name(), pending.stored().version(), instanceId, pending.reason(),
        SnapshotCodec.encode(pending.stored()))).toList();
    return Future.join(last).<Void>mapEmpty().recover(e -> Future.succeededFuture());
  }

  private void send(String name) {
    Pending pending = unannounced.get(name);
    if (pending == null || inFlight.contains(name) || inFlight.size() >= MAX_IN_FLIGHT) {
      return; // sent when an append out now answers (pump)
    }
    inFlight.add(name);
    Snapshot stored = pending.stored();
    owner.on(stream.announce(name, stored.version(), instanceId, pending.reason(), SnapshotCodec.encode(stored)))
        .onComplete(result -> {
          inFlight.remove(name);
          if (result.succeeded()) {
            announced++;
            warnings.clear();
            unannounced.remove(name, pending); // only this version's: a newer write announces itself
            pump();
            return;
          }
          if (result.cause() instanceof ConnectionPoolTooBusyException) {
            scheduleRetry(POOL_BUSY_RETRY_MS);
            return;
          }
          int suppressed = warnings.check(String.valueOf(result.cause().getMessage()));
          if (suppressed >= 0) {
            LOG.log(Level.WARNING, "Sharing: announcing version {0} of breaker ''{1}'' failed ({2}); will retry{3}",
                stored.version(), name, result.cause().getMessage(), RepeatedWarning.suppressedNote(suppressed));
          }
          scheduleRetry(retryMs);
        });
  }

  /** Sends what waits, while there is room. */
  private void pump() {
    for (String name : List.copyOf(unannounced.keySet())) {
      if (inFlight.size() >= MAX_IN_FLIGHT) {
        return;
      }
      send(name);
    }
  }

  private void scheduleRetry(long delayMs) {
    if (retryTimer >= 0) {
      return;
    }
    retryTimer = scheduler.schedule(delayMs, () -> {
      retryTimer = -1;
      pump();
    });
  }
}
