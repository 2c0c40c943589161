package io.tripstate.engine;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Snapshot;
import io.tripstate.breaker.Decision;
import io.tripstate.breaker.Outcome;
import io.tripstate.breaker.Permits;
import io.tripstate.breaker.Transition;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Function;

/**
 * The one owner of the breakers' runtime: the {@link BreakerRegistry}, one {@link Scheduler} and a list of
 * listeners. Every change goes through it and it re-arms its own deadline timer, so expired trials and the
 * ends of forced-open periods happen at their time with no request, also for breakers restored late.
 *
 * <p>The engine is the registry's only listener and tells its own listeners of every change, in the order they
 * were added (the fast-path view first, so that it is current before anyone hears of a transition; then
 * events, persistence, and whatever is added later with {@link #addListener}). Restores that persistence runs
 * on the registry reach the listeners the same way. Operations return their result and the transitions they
 * caused, so a caller that must wait for a write knows which one to wait for; transitions made by the
 * deadline timer go to the listeners only.
 *
 * <p>Confined to the owner's event loop, like the breakers: every method is called there, and listeners run
 * there, inside the operation (they must not call the engine's operations themselves). No locks.
 */
public final class BreakerEngine {
  private final BreakerRegistry registry;
  private final Scheduler scheduler;
  private final Permits permits;
  private final Listeners listeners = new Listeners();
  private final DeadlineTimer deadlines;
  // The transitions of the operation under way; emptied at the start of each operation.
  private final ArrayList<Transition> caused = new ArrayList<>(2);

  /** An engine whose permits carry the scheduler's current time and 64 bits from {@link SecureRandom}. */
  public BreakerEngine(Function<String, BreakerSettings> settingsFor, int maxBreakers, Scheduler scheduler,
      List<? extends BreakerRegistry.Listener> listeners) {
    this(settingsFor, maxBreakers, scheduler, new Permits(scheduler.nowMs(), new SecureRandom().nextLong()),
        listeners);
  }

  /**
   * @param settingsFor the settings of a name (per-name config over defaults)
   * @param permits how this instance numbers and writes trial permits
   * @param listeners told of every change, in this order
   */
  public BreakerEngine(Function<String, BreakerSettings> settingsFor, int maxBreakers, Scheduler scheduler,
      Permits permits, List<? extends BreakerRegistry.Listener> listeners) {
    this.scheduler = scheduler;
    this.permits = permits;
    this.registry = new BreakerRegistry(settingsFor, maxBreakers, permits.seed(), new Fanout());
    this.deadlines = new DeadlineTimer(scheduler, this::applyDeadlines);
    listeners.forEach(this.listeners::add);
  }

  /** Adds a listener after those already there; it hears every change from now on. */
  public void addListener(BreakerRegistry.Listener listener) {
    listeners.add(listener);
  }

  /** How this instance writes and reads trial permits. */
  public Permits permits() {
    return permits;
  }

  /** Time, as the breakers see it. */
  public Scheduler scheduler() {
    return scheduler;
  }

  /**
   * The registry, for restores (persistence restores into it; the engine hears of each and re-arms) and for
   * reads. Every other change goes through the engine's operations.
   */
  public BreakerRegistry registry() {
    return registry;
  }

  /** Acquires a permit, creating the breaker when the name is new; the decision carries its transitions. */
  public Decision acquire(String name) {
    caused.clear();
    try {
      Decision decision = registry.acquire(name, scheduler.nowMs());
      return caused.size() == decision.transitions().size() ? decision : decision.withTransitions(taken());
    } finally {
      rearm();
    }
  }

  /**
   * Whether an {@code acquire} of an existing breaker would grant a trial now (time applied as {@code acquire}
   * would, though nothing changes here): the moment a trial lease shared between instances must be taken first.
   * Allocates nothing.
   */
  public boolean trialDue(String name) {
    Breaker breaker = registry.get(name);
    return breaker != null && breaker.trialDue(scheduler.nowMs());
  }

  /**
   * A rejection decided outside the breaker (another instance holds the trial lease of a half-open period): the
   * breaker does not change; the listeners hear of the rejection, as of any other, so that metrics count it.
   *
   * @param retryAfterMs how long until the lease may be free
   */
  public Decision rejected(String name, long retryAfterMs) {
    Decision decision = new Decision(false, BreakerState.HALF_OPEN, 0, retryAfterMs, List.of());
    Breaker breaker = registry.get(name);
    if (breaker != null) {
      listeners.onRejected(breaker, decision);
    }
    return decision;
  }

  /**
   * Records an outcome, creating the breaker when the name is new.
   *
   * @throws io.tripstate.breaker.PermitRejectedException when the permit is unknown, already used or expired
   */
  public Recorded record(String name, Outcome outcome, Long permit, Double durationMs) {
    return recordRun(name, outcome, permit, durationMs, 1, scheduler.nowMs());
  }

  /**
   * Records the same outcome {@code times} times in a row at {@code nowMs} (a run of fast-path outcomes, timed
   * once per drain); stops early when the breaker leaves {@code closed}.
   */
  public Recorded recordRun(String name, Outcome outcome, Long permit, Double durationMs, int times, long nowMs) {
    caused.clear();
    try {
      Breaker breaker = registry.recordRun(name, outcome, permit, durationMs, times, nowMs);
      return Recorded.of(breaker.state(), taken());
    } finally {
      rearm();
    }
  }

  /** Resets an existing breaker; {@code breaker} is {@code null} when the name is unknown. */
  public Applied reset(String name) {
    caused.clear();
    try {
      return new Applied(registry.reset(name, scheduler.nowMs()), taken());
    } finally {
      rearm();
    }
  }

  /** Forces a breaker open (creating it when new), for {@code durationMs} or until reset. */
  public Applied forceOpen(String name, Long durationMs) {
    caused.clear();
    try {
      return new Applied(registry.forceOpen(name, durationMs, scheduler.nowMs()), taken());
    } finally {
      rearm();
    }
  }

  /** Disables a breaker (creating it when new) until reset. */
  public Applied disable(String name) {
    caused.clear();
    try {
      return new Applied(registry.disable(name, scheduler.nowMs()), taken());
    } finally {
      rearm();
    }
  }

  /** The breaker of a name with time applied ({@code null} when unknown), and what time did to it. */
  public Applied status(String name) {
    caused.clear();
    try {
      return new Applied(registry.get(name, scheduler.nowMs()), taken());
    } finally {
      rearm();
    }
  }

  /**
   * Takes a snapshot another app instance wrote (sharing across instances): the breaker adopts it (created when
   * new, within {@code maxBreakers}), the listeners hear it as restored and then as a remote transition.
   *
   * @param reason why the other instance made the transition, as it announced it
   * @param origin the instance that made it
   * @return the transition as published here
   * @throws BreakerRegistry.LimitExceededException when the name is new and {@code maxBreakers} are reached
   */
  public Transition applyRemote(Snapshot stored, String reason, String origin) {
    Breaker before = registry.get(stored.name());
    BreakerState from = before == null ? BreakerState.CLOSED : before.state();
    try {
      Breaker breaker = registry.adopt(stored);
      Transition transition = new Transition(stored.name(), from, stored.state(), stored.updatedAtMs(), reason,
          stored.version());
      listeners.onRemoteTransition(breaker, transition, origin);
      return transition;
    } finally {
      rearm();
    }
  }

  /** Applies every deadline that is due now; returns the transitions that caused. */
  public List<Transition> advance() {
    caused.clear();
    try {
      registry.advance(scheduler.nowMs());
      return taken();
    } finally {
      rearm();
    }
  }

  /** The breaker of a name as it is (no time applied), or {@code null}. */
  public Breaker peek(String name) {
    return registry.get(name);
  }

  public Collection<Breaker> all() {
    return registry.all();
  }

  public int size() {
    return registry.size();
  }

  /** The deadline the timer is armed for, epoch ms; {@code Long.MAX_VALUE} for none. */
  public long armedDeadline() {
    return deadlines.armedFor();
  }

  /** Stops the deadline timer: the last step before persistence flushes. Operations still work, untimed. */
  public void close() {
    deadlines.close();
  }

  /** The timer fired: applies what is due and re-arms; its transitions reach the listeners only. */
  private void applyDeadlines() {
    caused.clear();
    try {
      registry.advance(scheduler.nowMs());
    } finally {
      caused.clear();
      rearm();
    }
  }

  private void rearm() {
    deadlines.armFor(registry.nextDeadline());
  }

  /** The transitions of this operation; the shared empty list when none, so a quiet operation allocates nothing. */
  private List<Transition> taken() {
    return caused.isEmpty() ? List.of() : List.copyOf(caused);
  }

  /** The registry's only listener: notes the operation's transitions, re-arms for restores, tells the rest. */
  private final class Fanout implements BreakerRegistry.Listener {
    @Override
    public void onTransition(Breaker breaker, Transition transition) {
      caused.add(transition);
      listeners.onTransition(breaker, transition);
    }

    @Override
    public void onCounterChange(Breaker breaker) {
      listeners.onCounterChange(breaker);
    }

    @Override
    public void onCreated(Breaker breaker) {
      listeners.onCreated(breaker);
    }

    @Override
    public void onRestored(Breaker breaker) {
      listeners.onRestored(breaker);
      // A restore happens outside the engine's operations (at deploy, or late when Redis came back): arm for
      // the restored breaker's own deadline, which the registry may not have queued yet.
      deadlines.armFor(breaker.nextDeadline());
    }

    @Override
    public void onRecorded(Breaker breaker, Outcome outcome, Double durationMs) {
      listeners.onRecorded(breaker, outcome, durationMs);
    }

    @Override
    public void onRejected(Breaker breaker, Decision decision) {
      listeners.onRejected(breaker, decision);
    }
  }
}
