package io.tripstate.sharing;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Snapshot;
import io.tripstate.breaker.Transition;
import io.tripstate.config.SharingConfig;
import io.tripstate.engine.BreakerEngine;
import io.tripstate.store.Persistence;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.HashSet;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The open quorum ({@code sharing.openQuorum} > 1): an instance that trips a shared breaker opens it for itself
 * at once and votes; the breaker opens for every instance only once {@code q} distinct live instances voted.
 * A vote lives as long as the voter's open time (backoff included). Below the quorum the open is this
 * instance's alone and ends like any open of it: its own trial, with no lease, and nothing written to the
 * shared key. The instance whose vote completes the quorum writes the shared open, which starts then.
 * Confined to the owner's event loop.
 */
final class Quorum {
  private static final Logger LOG = System.getLogger(Quorum.class.getName());
  private static final int MAX_REMEMBERED = 1_024;

  private final SharingConfig config;
  private final BreakerEngine engine;
  private final OpenVotes votes;
  private final OnOwnerFutures owner;
  private final Persistence persistence;
  private final Predicate<String> shared;
  /** Breakers open here only, below the quorum. */
  private final Set<String> localOpen = new HashSet<>();
  /** Transitions that stay with this instance (asked about again by persistence and by waiting replies). */
  private final Set<Transition> localTransitions = new HashSet<>();

  Quorum(SharingConfig config, BreakerEngine engine, OpenVotes votes, OnOwnerFutures owner, Persistence persistence,
      Predicate<String> shared) {
    this.config = config;
    this.engine = engine;
    this.votes = votes;
    this.owner = owner;
    this.persistence = persistence;
    this.shared = shared;
  }

  /** Whether the breaker is open here only (its trials take no lease). */
  boolean localOnly(String name) {
    return localOpen.contains(name);
  }

  /** Whether a transition stays with this instance. */
  boolean localOnly(Transition transition) {
    return localTransitions.contains(transition);
  }

  /** Told of every transition of a shared breaker, before persistence is. */
  void onTransition(Breaker breaker, Transition transition) {
    String name = breaker.name();
    if (isOperator(transition.reason())) {
      localOpen.remove(name);
      return;
    }
    boolean trip = transition.from() == BreakerState.CLOSED && transition.to() == BreakerState.OPEN;
    if (!trip && !localOpen.contains(name)) {
      return;
    }
    remember(transition);
    if (transition.to() == BreakerState.OPEN) {
      localOpen.add(name);
      vote(breaker);
    } else if (transition.to() == BreakerState.CLOSED) {
      localOpen.remove(name); // its own trial closed it: nothing was shared, nothing to write
    }
  }

  /** The breaker took a shared snapshot: whatever it had of its own is over. */
  void tookShared(String name) {
    localOpen.remove(name);
  }

  private void vote(Breaker breaker) {
    String name = breaker.name();
    long ttlMs = Math.max(1, breaker.retryAfterMs(engine.scheduler().nowMs()));
    owner.on(votes.vote(name, config.instanceId(), ttlMs)).onComplete(result -> {
      if (result.failed()) {
        LOG.log(Level.WARNING, "Breaker ''{0}'': voting to open it for every instance failed ({1}); it stays open "
            + "here only", name, result.cause().getMessage());
        return;
      }
      int voters = result.result();
      Breaker now = engine.peek(name);
      if (voters < config.openQuorum() || now == null || now.state() != BreakerState.OPEN || !localOpen.contains(name)
          || !shared.test(name)) {
        if (voters < config.openQuorum()) {
          LOG.log(Level.INFO, "Breaker ''{0}'': open here only, {1} of {2} instance(s) voted to open it for all",
              name, voters, config.openQuorum());
        }
        return;
      }
      reached(now, voters);
    });
  }

  /** The quorum agreed: the shared open starts now, written above the stored version. */
  private void reached(Breaker breaker, int voters) {
    long nowMs = engine.scheduler().nowMs();
    Snapshot local = breaker.snapshot();
    Snapshot open = new Snapshot(local.name(), BreakerState.OPEN, local.failureCount(), nowMs, 0,
        breaker.versions().storedVersion(), nowMs, local.openTimeoutMs(), null, 0, local.window(),
        config.instanceId());
    localOpen.remove(breaker.name());
    engine.applyRemote(open, "open_quorum", config.instanceId());
    LOG.log(Level.INFO, "Breaker ''{0}'': {1} instance(s) voted, the quorum of {2} is reached: open for every "
        + "instance", breaker.name(), voters, config.openQuorum());
    persistence.write(breaker.name());
  }

  private void remember(Transition transition) {
    if (localTransitions.size() >= MAX_REMEMBERED) {
      localTransitions.clear();
    }
    localTransitions.add(transition);
  }

  private static boolean isOperator(String reason) {
    return "reset".equals(reason) || "forced_open".equals(reason) || "disabled".equals(reason);
  }
}
