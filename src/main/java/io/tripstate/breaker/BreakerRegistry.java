package io.tripstate.breaker;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The named breakers of one owner, created on first use. Pure Java and not thread-safe: the owner (the
 * verticle's event loop) is the only thread that touches it.
 *
 * <p>Every change is reported to a {@link Listener}: transitions at once, counter changes separately so
 * that the owner can coalesce their writes.
 */
public final class BreakerRegistry {

  /** Told of every persisted change, on the owner's thread. */
  public interface Listener {
    /** A state changed (or a reset happened). */
    void onTransition(Breaker breaker, Transition transition);

    /** A counter changed without a transition. */
    void onCounterChange(Breaker breaker);
  }

  /** Thrown when a new name would exceed the configured number of breakers. */
  public static final class LimitExceededException extends RuntimeException {
    LimitExceededException(String name, int max) {
      super("cannot create breaker '" + name + "': the limit of " + max + " breakers (maxBreakers) is reached",
          null, false, false);
    }
  }

  private final Map<String, Breaker> breakers = new HashMap<>();
  private final Function<String, BreakerSettings> settingsFor;
  private final int maxBreakers;
  private final long permitSeed;
  private final Listener listener;

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

  /** Acquires a permit, creating the breaker when the name is new. */
  public Decision acquire(String name, long nowMs) {
    Breaker breaker = getOrCreate(name);
    Decision decision = breaker.acquire(nowMs);
    if (decision.transition() != null) {
      listener.onTransition(breaker, decision.transition());
    }
    return decision;
  }

  /** Records an outcome, creating the breaker when the name is new; returns the breaker after it. */
  public Breaker record(String name, Outcome outcome, Long permit, long nowMs) {
    Breaker breaker = getOrCreate(name);
    long before = breaker.version();
    notify(breaker, breaker.record(outcome, permit, nowMs), before);
    return breaker;
  }

  /** Resets an existing breaker; returns it, or {@code null} when the name is unknown. */
  public Breaker reset(String name, long nowMs) {
    Breaker breaker = breakers.get(name);
    if (breaker != null) {
      listener.onTransition(breaker, breaker.reset(nowMs));
    }
    return breaker;
  }

  /** The breaker of a name, or {@code null}. */
  public Breaker get(String name) {
    return breakers.get(name);
  }

  public Collection<Breaker> all() {
    return Collections.unmodifiableCollection(breakers.values());
  }

  public int size() {
    return breakers.size();
  }

  /** Restores stored snapshots before any request was served. Writes nothing and notifies nobody. */
  public void restore(Collection<Snapshot> snapshots) {
    for (Snapshot snapshot : snapshots) {
      breakers.put(snapshot.name(), Breaker.restore(snapshot, settingsFor.apply(snapshot.name()), permitSeed));
    }
  }

  /**
   * Merges snapshots that arrived after requests were already served (Redis was unreachable at deploy).
   * A breaker that changed locally meanwhile keeps its local state, with its version moved above the stored
   * one; a breaker that did not (or does not exist here) takes the stored state.
   *
   * @return the breakers whose local state must now be written over the stored one
   */
  public List<Breaker> mergeLate(Collection<Snapshot> snapshots) {
    List<Breaker> rebased = new ArrayList<>();
    for (Snapshot snapshot : snapshots) {
      Breaker local = breakers.get(snapshot.name());
      if (local == null || local.version() == 0) {
        breakers.put(snapshot.name(), Breaker.restore(snapshot, settingsFor.apply(snapshot.name()), permitSeed));
      } else {
        local.rebaseVersion(snapshot.version());
        rebased.add(local);
      }
    }
    return rebased;
  }

  private Breaker getOrCreate(String name) {
    Breaker breaker = breakers.get(name);
    if (breaker == null) {
      if (breakers.size() >= maxBreakers) {
        throw new LimitExceededException(name, maxBreakers);
      }
      breaker = new Breaker(name, settingsFor.apply(name), permitSeed);
      breakers.put(name, breaker);
    }
    return breaker;
  }

  private void notify(Breaker breaker, Transition transition, long versionBefore) {
    if (transition != null) {
      listener.onTransition(breaker, transition);
    } else if (breaker.version() != versionBefore) {
      listener.onCounterChange(breaker);
    }
  }
}
