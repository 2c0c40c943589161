package io.tripstate.sharing;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.Decision;
import io.tripstate.breaker.Outcome;
import io.tripstate.breaker.Transition;
import io.tripstate.engine.BreakerEngine;
import io.tripstate.store.RepeatedWarning;
import io.vertx.core.AsyncResult;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.function.Predicate;

/**
 * The acquire path of shared breakers: the one decision that may wait on Redis. When a shared breaker would
 * grant a trial (its open time is up, or its half-open period has room), this instance first takes a trial
 * lease in Redis ({@link TrialLeases}); only the holder probes, every other instance rejects with the lease's
 * time left. Every other acquire stays synchronous: callers ask {@link #needsLease} (no allocation) and keep
 * their synchronous path when it says no.
 *
 * <ul>
 *   <li>Lease granted: the engine decides ({@code acquire}); when that is no trial after all (the state moved
 *       meanwhile), the lease is given back at once.
 *   <li>Lease refused: a rejection with {@code retry_after_ms} = the lease's time left, which the listeners hear
 *       of like any other. The refusal is remembered for that long, so the other instances ask Redis about once
 *       per lease, not once per call; a transition of the breaker forgets it.
 *   <li>Redis failed or timed out: this instance decides alone (availability over strictness), warning once a
 *       minute.
 * </ul>
 * Concurrent acquires of one breaker wait for the take under way, then decide again, so one instance sends one
 * take at a time per breaker. The gate remembers which trial permit holds which lease token and gives the lease
 * back (fenced, by its token) as soon as that trial ends: recorded, expired, or dropped when the breaker left
 * half-open; the next take of the breaker waits for those releases, so it never finds this instance's own
 * finished lease.
 *
 * <p>Confined to the owner's event loop, like the engine: Redis answers hop back there through {@code owner}.
 */
public final class TrialGate {
  private static final Logger LOG = System.getLogger(TrialGate.class.getName());

  private record Held(long permit, String token) {}

  /** What the gate knows of one breaker; dropped once it knows nothing worth keeping. */
  private static final class Gate {
    Future<Decision> taking;
    Future<?> releasing = Future.succeededFuture();
    long refusedUntilMs;
    final List<Held> held = new ArrayList<>(1);
  }

  private final BreakerEngine engine;
  private final TrialLeases leases;
  private final String instanceId;
  private final Predicate<String> leased;
  private final Executor owner;
  private final RepeatedWarning takeFailures;
  private final Map<String, Gate> gates = new HashMap<>();
  private long leaseSeq;
  /** Lease tokens held across all breakers: while 0, an outcome costs the gate one comparison. */
  private int heldCount;

  /**
   * Adds itself to the engine's listeners, to give leases back when their trials end.
   *
   * @param instanceId this instance's id, the first part of its lease tokens
   * @param leased whether a breaker's trials need the lease now (a shared breaker while sharing is connected)
   * @param owner runs Redis answers on the engine's context ({@code OnOwner.executor} in production)
   */
  public TrialGate(BreakerEngine engine, TrialLeases leases, String instanceId, Predicate<String> leased,
      Executor owner) {
    this.engine = engine;
    this.leases = leases;
    this.instanceId = instanceId;
    this.leased = leased;
    this.owner = owner;
    this.takeFailures = new RepeatedWarning(engine.scheduler()::nanoTime);
    engine.addListener(new Releaser());
  }

  /** Whether {@link #acquire} must ask Redis; when not, {@code engine.acquire(name)} decides as always. */
  public boolean needsLease(String name) {
    return engine.trialDue(name) && leased.test(name);
  }

  /** Acquires a permit, through the trial lease when {@link #needsLease}. Never fails for want of Redis. */
  public Future<Decision> acquire(String name) {
    try {
      if (!needsLease(name)) {
        return Future.succeededFuture(engine.acquire(name));
      }
      Gate gate = gates.computeIfAbsent(name, n -> new Gate());
      if (gate.taking != null) {
        // One take at a time per breaker: decide again once it is answered (a refusal then answers from memory).
        return gate.taking.transform(done -> acquire(name));
      }
      long now = engine.scheduler().nowMs();
      if (gate.refusedUntilMs > now) {
        return Future.succeededFuture(engine.rejected(name, gate.refusedUntilMs - now));
      }
      return take(name, gate);
    } catch (RuntimeException e) {
      return Future.failedFuture(e);
    }
  }

  /** Lease tokens this instance holds now (for status and tests). */
  public int heldLeases() {
    return heldCount;
  }

  private Future<Decision> take(String name, Gate gate) {
    BreakerSettings settings = engine.peek(name).settings();
    String token = instanceId + ":" + ++leaseSeq;
    Promise<Decision> decided = Promise.promise();
    gate.taking = decided.future();
    gate.releasing
        .transform(released -> leases.take(name, token, settings.halfOpenMaxCalls(), settings.permitTimeoutMs()))
        .onComplete(result -> owner.execute(() -> {
          Decision decision;
          try {
            decision = decide(name, gate, token, result);
          } catch (RuntimeException e) {
            gate.taking = null;
            decided.fail(e);
            return;
          }
          // Still marked as taking while deciding, so that the transitions it causes do not drop this gate.
          gate.taking = null;
          decided.complete(decision);
        }));
    return decided.future();
  }

  private Decision decide(String name, Gate gate, String token, AsyncResult<TrialLeases.Lease> result) {
    if (result.succeeded() && !result.result().granted()) {
      long retryAfterMs = result.result().retryAfterMs();
      gate.refusedUntilMs = engine.scheduler().nowMs() + retryAfterMs;
      return engine.rejected(name, retryAfterMs);
    }
    if (result.failed()) {
      int suppressed = takeFailures.check(String.valueOf(result.cause()));
      if (suppressed >= 0) {
        LOG.log(Level.WARNING, "Breaker ''{0}'': the trial lease at Redis key ''{1}'' could not be taken ({2}); "
            + "this instance decides alone{3}", name, leases.key(name), result.cause(),
            RepeatedWarning.suppressedNote(suppressed));
      }
    } else {
      takeFailures.clear();
    }
    Decision decision = engine.acquire(name);
    if (decision.permitted() && decision.permit() != Breaker.UNTRACKED_PERMIT) {
      // Held even when the take failed here: it may still have landed in Redis, and is then given back too.
      gate.held.add(new Held(decision.permit(), token));
      heldCount++;
    } else {
      release(name, gate, token);
    }
    return decision;
  }

  private void release(String name, Gate gate, String token) {
    gate.releasing = gate.releasing.transform(before -> leases.release(name, token)
        .onFailure(e -> LOG.log(Level.DEBUG, "Breaker ''{0}'': giving back trial lease {1} failed ({2}); it "
            + "expires by itself", name, token, e.toString())));
  }

  /** Gives back the leases of a breaker's trials that ended; after a transition, forgets a remembered refusal. */
  private void settle(Breaker breaker, boolean changed) {
    Gate gate = gates.get(breaker.name());
    if (gate == null) {
      return;
    }
    if (changed) {
      gate.refusedUntilMs = 0;
    }
    for (int i = gate.held.size() - 1; i >= 0; i--) {
      Held held = gate.held.get(i);
      if (!breaker.trialOut(held.permit)) {
        gate.held.remove(i);
        heldCount--;
        release(breaker.name(), gate, held.token);
        // The slot given back may be taken again at once: a refusal remembered from before may be out of date.
        gate.refusedUntilMs = 0;
      }
    }
    if (gate.held.isEmpty() && gate.taking == null && gate.refusedUntilMs == 0 && gate.releasing.isComplete()) {
      gates.remove(breaker.name());
    }
  }

  /** The engine's listener: a trial ends with an outcome, a transition, or a state adopted from the store. */
  private final class Releaser implements BreakerRegistry.Listener {
    @Override
    public void onTransition(Breaker breaker, Transition transition) {
      settle(breaker, true);
    }

    @Override
    public void onCounterChange(Breaker breaker) {}

    @Override
    public void onRestored(Breaker breaker) {
      settle(breaker, true);
    }

    @Override
    public void onRecorded(Breaker breaker, Outcome outcome, Double durationMs) {
      if (heldCount > 0) {
        settle(breaker, false);
      }
    }
  }
}
