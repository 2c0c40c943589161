package io.tripstate.breaker;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The named breakers of one owner, created on first use, with a queue of the deadlines at which time
 * changes them. Pure Java and not thread-safe: the owner (the verticle's event loop) is the only thread
 * that touches it, and calls {@link #advance(long)} at {@link #nextDeadline()}.
 *
 * <p>Every change is reported to a {@link Listener}: transitions at once, counter changes separately so
 * that the owner can coalesce their writes.
 */
public final class BreakerRegistry {

  /** Told of every persisted change, and of new breakers, on the owner's thread. */
  public interface Listener {
    /** A state changed (or a reset happened). */
    void onTransition(Breaker breaker, Transition transition);

    /** A counter changed without a transition. */
    void onCounterChange(Breaker breaker);

    /** A request named a new breaker, now created closed (restores are not reported); nothing to persist yet. */
    default void onCreated(Breaker breaker) {}

    /** A breaker was taken from a stored snapshot (a restore or a late merge); nothing to persist. */
    default void onRestored(Breaker breaker) {}

    /**
     * An outcome was accepted by a breaker (not refused with a permit error; it may count for nothing, e.g. while open); {@code durationMs} is {@code null} when the caller
     * gave none. Called before {@link #onTransition} of a transition the outcome caused. For metrics.
     */
    default void onRecorded(Breaker breaker, Outcome outcome, Double durationMs) {}

    /** An {@code acquire} through the owner was not permitted. For metrics. */
    default void onRejected(Breaker breaker, Decision decision) {}

    /**
     * A transition another app instance made, taken here (sharing across instances); the breaker was already
     * reported through {@link #onRestored}, so nothing is left to persist. For events.
     *
     * @param origin the instance that made it
     */
    default void onRemoteTransition(Breaker breaker, Transition transition, String origin) {}
  }

  /** Thrown when a new name would exceed the configured number of breakers. */
  public static final class LimitExceededException extends RuntimeException {
    LimitExceededException(String name, int max) {
      super("cannot create breaker '" + name + "': the limit of " + max + " breakers (maxBreakers) is reached",
          null, false, false);
    }
  }

  private record Deadline(long at, Breaker breaker) {}

  private final Map<String, Breaker> breakers = new HashMap<>();
  private final PriorityQueue<Deadline> deadlines = new PriorityQueue<>((a, b) -> Long.compare(a.at, b.at));
  private final Function<String, BreakerSettings> settingsFor;
  private final int maxBreakers;
  private final long permitSeed;
  private final Listener listener;
  private String instanceId;
  private Predicate<String> shared = name -> false;

  /**
   * @param settingsFor the settings of a name (per-name config over defaults)
   * @param permitSeed passed to every breaker; grow it across restarts (e.g. start time in ms shifted left)
   */
  public BreakerRegistry(Function<String, BreakerSettings> settingsFor, int maxBreakers, long permitSeed,
      Listener listener) {
    this.settingsFor = settingsFor;
    this.maxBreakers = maxBreakers;
    this.permitSeed = permitSeed;
    this.listener = listener;
  }

  /** This app instance's id, recorded in the snapshots of the transitions made here; {@code null}: none. */
  public void instanceId(String id) {
    this.instanceId = id;
    breakers.values().forEach(breaker -> breaker.localInstance = id);
  }

  /**
   * Which breakers share their state with other instances: for those, {@link #reconcile} lets Redis win wherever
   * it moved on (see there). Default: none.
   */
  public void sharedNames(Predicate<String> sharedNames) {
    this.shared = sharedNames;
  }

  /** Whether a breaker shares its state with other instances (see {@link #sharedNames}). */
  public boolean isShared(String name) {
    return shared.test(name);
  }

  /**
   * Takes a snapshot another instance wrote (sharing): the breaker drops its local counters, trials and
   * unwritten changes and is reported through {@link Listener#onRestored}. A new name is created from it, within
   * {@code maxBreakers}.
   *
   * @throws LimitExceededException when the name is new and {@code maxBreakers} are reached
   */
  public Breaker adopt(Snapshot stored) {
    Breaker local = breakers.get(stored.name());
    if (local == null) {
      if (breakers.size() >= maxBreakers) {
        throw new LimitExceededException(stored.name(), maxBreakers);
      }
      put(Breaker.restore(stored, settingsFor.apply(stored.name()), permitSeed));
      return breakers.get(stored.name());
    }
    local.adopt(stored);
    listener.onRestored(local);
    schedule(local);
    return local;
  }

  /** Acquires a permit, creating the breaker when the name is new. */
  public Decision acquire(String name, long nowMs) {
    return acquire(getOrCreate(name, nowMs), nowMs);
  }

  private Decision acquire(Breaker breaker, long nowMs) {
    Decision decision = breaker.acquire(nowMs);
    List<Transition> transitions = decision.transitions();
    for (int i = 0; i < transitions.size(); i++) { // no iterator: a quiet acquire allocates nothing
      listener.onTransition(breaker, transitions.get(i));
    }
    if (!decision.permitted()) {
      listener.onRejected(breaker, decision);
    }
    schedule(breaker);
    return decision;
  }

  /**
   * Records an outcome, creating the breaker when the name is new; returns the breaker after it.
   *
   * @throws PermitRejectedException when the permit is unknown, already used or expired
   */
  public Breaker record(String name, Outcome outcome, Long permit, Double durationMs, long nowMs) {
    return recordRun(name, outcome, permit, durationMs, 1, nowMs);
  }

  /**
   * Records the same outcome {@code times} times in a row (a run of fast-path outcomes); stops early when the
   * breaker leaves {@code closed}, since what follows would count for nothing. Returns the breaker.
   *
   * @throws PermitRejectedException when the permit is unknown, already used or expired
   */
  public Breaker recordRun(String name, Outcome outcome, Long permit, Double durationMs, int times, long nowMs) {
    Breaker breaker = getOrCreate(name, nowMs);
    for (int i = 0; i < times; i++) {
      long before = breaker.versions().changes();
      Transition transition = breaker.record(outcome, permit, durationMs, nowMs);
      listener.onRecorded(breaker, outcome, durationMs);
      if (transition != null) {
        listener.onTransition(breaker, transition);
      } else if (breaker.versions().changes() != before) {
        listener.onCounterChange(breaker);
      }
      if (breaker.state() != BreakerState.CLOSED) {
        break;
      }
    }
    schedule(breaker);
    return breaker;
  }

  /** Resets an existing breaker; returns it, or {@code null} when the name is unknown. */
  public Breaker reset(String name, long nowMs) {
    Breaker breaker = breakers.get(name);
    if (breaker != null) {
      listener.onTransition(due(breaker, nowMs), breaker.reset(nowMs));
    }
    return breaker;
  }

  /** Forces a breaker open (creating it when new), for {@code durationMs} or until reset. */
  public Breaker forceOpen(String name, Long durationMs, long nowMs) {
    Breaker breaker = getOrCreate(name, nowMs);
    listener.onTransition(breaker, breaker.forceOpen(durationMs, nowMs));
    schedule(breaker);
    return breaker;
  }

  /** Disables a breaker (creating it when new) until reset. */
  public Breaker disable(String name, long nowMs) {
    Breaker breaker = getOrCreate(name, nowMs);
    listener.onTransition(breaker, breaker.disable(nowMs));
    return breaker;
  }

  /**
   * The breaker of a name with time applied, created when the name is new.
   *
   * @throws LimitExceededException when a new name would exceed {@code maxBreakers}
   */
  public Breaker getOrCreate(String name, long nowMs) {
    Breaker breaker = breakers.get(name);
    if (breaker == null) {
      if (breakers.size() >= maxBreakers) {
        throw new LimitExceededException(name, maxBreakers);
      }
      breaker = new Breaker(name, settingsFor.apply(name), permitSeed);
      breaker.localInstance = instanceId;
      breakers.put(name, breaker);
      listener.onCreated(breaker);
    }
    return due(breaker, nowMs);
  }

  /** The breaker of a name with time applied, or {@code null}. */
  public Breaker get(String name, long nowMs) {
    Breaker breaker = breakers.get(name);
    return breaker == null ? null : due(breaker, nowMs);
  }

  /** The breaker of a name as it is, or {@code null}. */
  public Breaker get(String name) {
    return breakers.get(name);
  }

  public Collection<Breaker> all() {
    return Collections.unmodifiableCollection(breakers.values());
  }

  public int size() {
    return breakers.size();
  }

  /** The earliest time at which {@link #advance(long)} has something to do; {@code Long.MAX_VALUE} for none. */
  public long nextDeadline() {
    Deadline next = deadlines.peek();
    return next == null ? Long.MAX_VALUE : next.at;
  }

  /** Applies every deadline up to {@code nowMs}: expired trials, elapsed forced-open periods. */
  public void advance(long nowMs) {
    while (!deadlines.isEmpty() && deadlines.peek().at <= nowMs) {
      Deadline deadline = deadlines.poll();
      Breaker breaker = deadline.breaker;
      if (deadline.at == breaker.queuedDeadline) {
        breaker.queuedDeadline = Long.MAX_VALUE;
        due(breaker, nowMs);
        schedule(breaker);
      }
    }
  }

  /** Restores stored snapshots before any request was served; reports each only as restored (nothing to write). */
  public void restore(Collection<Snapshot> snapshots) {
    for (Snapshot snapshot : snapshots) {
      put(Breaker.restore(snapshot, settingsFor.apply(snapshot.name()), permitSeed));
    }
  }

  /**
   * Merges snapshots that arrived after requests were already served (Redis was unreachable at deploy), each
   * by the rule of {@link #reconcile}.
   *
   * @return the breakers that keep their local state and must now be written above the stored version
   */
  public List<Breaker> mergeLate(Collection<Snapshot> snapshots) {
    List<Breaker> kept = new ArrayList<>();
    for (Snapshot snapshot : snapshots) {
      if (reconcile(snapshot) == Reconciled.KEPT) {
        kept.add(breakers.get(snapshot.name()));
      }
    }
    return kept;
  }

  /** What {@link #reconcile} did with a stored snapshot. */
  public enum Reconciled {
    /** No breaker of that name was here: it was created from the snapshot (beyond {@code maxBreakers} too). */
    CREATED,
    /** The breaker took the stored snapshot; its local counters, trials and unwritten changes are dropped. */
    ADOPTED,
    /** The breaker keeps its state, now based on the stored version: its next write lands above it. */
    KEPT
  }

  /**
   * Reconciles a breaker with the snapshot the store holds, when the two may differ: a late restore, a write
   * the store refused because it held another version (and, for sharing across instances, a snapshot another
   * instance wrote). The rule goes by state, never by counters:
   * <ul>
   *   <li>a shared breaker (sharing across instances) takes the stored snapshot unless it made a transition here
   *       on the very version stored (Redis wins wherever it moved on: {@link #sharedStoredWins});
   *   <li>a breaker that made no transition here since its stored copy takes the stored snapshot (counters
   *       alone never beat a stored state);
   *   <li>one that made a transition here keeps its state and is rebased on the stored version,
   *   <li>except that a stored operator state ({@code forced_open}, {@code disabled}) wins over local automatic
   *       transitions; a local operator action ({@code reset}, {@code force_open}, {@code disable}) wins over
   *       any stored state.
   * </ul>
   * A breaker that takes the snapshot is reported through {@link Listener#onRestored}.
   */
  public Reconciled reconcile(Snapshot stored) {
    Breaker local = breakers.get(stored.name());
    if (local == null) {
      put(Breaker.restore(stored, settingsFor.apply(stored.name()), permitSeed));
      return Reconciled.CREATED;
    }
    boolean storedWins = shared.test(stored.name())
        ? sharedStoredWins(local.versions(), stored.version())
        : storedWins(local.versions(), stored.state());
    if (storedWins) {
      local.adopt(stored);
      listener.onRestored(local);
      schedule(local);
      return Reconciled.ADOPTED;
    }
    local.versions().rebase(stored.version());
    return Reconciled.KEPT;
  }

  /** The rule of {@link #reconcile}: whether a stored state replaces the local one. */
  static boolean storedWins(Versions local, BreakerState stored) {
    if (!local.transitionedSinceStored()) {
      return true;
    }
    boolean operatorState = stored == BreakerState.FORCED_OPEN || stored == BreakerState.DISABLED;
    return operatorState && !local.operatorActionSinceStored();
  }

  /**
   * The rule for a shared breaker: Redis wins wherever it moved on. Only a transition made here on the very
   * version Redis still holds is kept (and written above it); any other stored version is newer news from
   * another instance, whatever the states.
   */
  static boolean sharedStoredWins(Versions local, long storedVersion) {
    return !local.transitionedSinceStored() || local.storedVersion() != storedVersion;
  }

  private void put(Breaker breaker) {
    breaker.localInstance = instanceId;
    breakers.put(breaker.name(), breaker);
    listener.onRestored(breaker);
    schedule(breaker);
  }

  /** Applies what time decided for one breaker before it is used. */
  private Breaker due(Breaker breaker, long nowMs) {
    Transition transition = breaker.tick(nowMs);
    if (transition != null) {
      listener.onTransition(breaker, transition);
    }
    return breaker;
  }

  private void schedule(Breaker breaker) {
    long next = breaker.nextDeadline();
    if (next == Long.MAX_VALUE) {
      breaker.queuedDeadline = Long.MAX_VALUE;
    } else if (next < breaker.queuedDeadline) {
      breaker.queuedDeadline = next;
      deadlines.add(new Deadline(next, breaker));
    }
  }
}
