package io.tripstate.breaker;

import static io.tripstate.breaker.BreakerState.CLOSED;
import static io.tripstate.breaker.BreakerState.HALF_OPEN;
import static io.tripstate.breaker.BreakerState.OPEN;

import java.util.Arrays;

/**
 * One circuit breaker: a pure state machine. It reads no clock (every method takes {@code nowMs}) and
 * knows nothing of Vert.x or Redis. Not thread-safe by design: its owner confines it to one thread.
 *
 * <p>Legal moves are listed once, in {@link #isLegal(BreakerState, BreakerState)}; any other move is a
 * bug and fails loudly.
 */
public final class Breaker {
  private static final long NO_TIME = Long.MIN_VALUE;

  private final String name;
  private BreakerSettings settings;
  private BreakerState state = CLOSED;
  private int failureCount;
  private long openedAtMs = NO_TIME;
  private long version;
  private long updatedAtMs;
  private long permitSeq;
  private long[] trials = new long[0];
  private int trialCount;

  /**
   * A new, closed breaker at version 0.
   *
   * @param permitSeed the first permit number minus one; pick one larger than any permit handed out
   *     before a restart, so that a stale permit never matches a new trial
   */
  public Breaker(String name, BreakerSettings settings, long permitSeed) {
    this.name = name;
    this.settings = settings;
    this.permitSeq = permitSeed;
  }

  /** A breaker in the state of a stored snapshot, with no trials in flight. A restore changes nothing else. */
  public static Breaker restore(Snapshot snapshot, BreakerSettings settings, long permitSeed) {
    Breaker breaker = new Breaker(snapshot.name(), settings, permitSeed);
    breaker.state = snapshot.state();
    breaker.failureCount = snapshot.failureCount();
    breaker.openedAtMs = snapshot.openedAtMs() == null ? NO_TIME : snapshot.openedAtMs();
    breaker.version = snapshot.version();
    breaker.updatedAtMs = snapshot.updatedAtMs();
    return breaker;
  }

  /** Whether the state machine allows moving from one state to another. */
  public static boolean isLegal(BreakerState from, BreakerState to) {
    return switch (from) {
      case CLOSED -> to == OPEN || to == CLOSED;
      case OPEN -> to == HALF_OPEN || to == CLOSED;
      case HALF_OPEN -> to == CLOSED || to == OPEN;
    };
  }

  /** Asks for a permit: closed permits, open rejects until its time is up, half-open permits a few trials. */
  public Decision acquire(long nowMs) {
    switch (state) {
      case CLOSED:
        return new Decision(true, CLOSED, ++permitSeq, 0, null);
      case OPEN: {
        long wait = retryAfterMs(nowMs);
        if (wait > 0) {
          return new Decision(false, OPEN, 0, wait, null);
        }
        Transition transition = moveTo(HALF_OPEN, nowMs, "reset_timeout_elapsed");
        return new Decision(true, HALF_OPEN, grantTrial(), 0, transition);
      }
      case HALF_OPEN:
        if (trialCount < settings.halfOpenMaxCalls()) {
          return new Decision(true, HALF_OPEN, grantTrial(), 0, null);
        }
        return new Decision(false, HALF_OPEN, 0, 0, null);
      default:
        throw new IllegalStateException("unhandled state " + state);
    }
  }

  /**
   * Records the outcome of a call.
   *
   * <p>In {@code closed} a failure counts and a success resets the count. In {@code open} outcomes are
   * ignored (they belong to calls permitted before it opened). In {@code half_open} only an outcome of an
   * outstanding trial counts: the one whose permit is given, or, without a permit, the oldest one.
   *
   * @param permit the permit from {@link #acquire(long)}, or {@code null} when the caller has none
   * @return the transition this caused, or {@code null}; compare {@link #version()} to see a counter change
   */
  public Transition record(Outcome outcome, Long permit, long nowMs) {
    switch (state) {
      case CLOSED:
        return recordClosed(outcome, nowMs);
      case HALF_OPEN:
        if (!takeTrial(permit)) {
          return null;
        }
        if (outcome == Outcome.SUCCESS) {
          return close(nowMs, "trial_succeeded");
        }
        failureCount++;
        return open(nowMs, "trial_failed");
      default:
        return null;
    }
  }

  /** Closes the breaker from any state and clears its counters. Always a persisted change. */
  public Transition reset(long nowMs) {
    return close(nowMs, "reset");
  }

  /** Milliseconds until an open breaker lets a trial through; 0 when due or not open. */
  public long retryAfterMs(long nowMs) {
    if (state != OPEN) {
      return 0;
    }
    return Math.max(0, openedAtMs + settings.resetTimeoutMs() - nowMs);
  }

  /** Moves this breaker's versions above {@code base}, so that its local changes win over a stored copy. */
  public void rebaseVersion(long base) {
    version = base + Math.max(1, version);
  }

  /** Applies new settings; the state is kept and the new reset timeout counts from {@code opened_at}. */
  public void updateSettings(BreakerSettings newSettings) {
    this.settings = newSettings;
  }

  public Snapshot snapshot() {
    Long openedAt = openedAtMs == NO_TIME ? null : openedAtMs;
    return new Snapshot(name, state, failureCount, openedAt, trialCount, version, updatedAtMs);
  }

  public String name() {
    return name;
  }

  public BreakerState state() {
    return state;
  }

  public long version() {
    return version;
  }

  public BreakerSettings settings() {
    return settings;
  }

  private Transition recordClosed(Outcome outcome, long nowMs) {
    if (outcome == Outcome.SUCCESS) {
      if (failureCount > 0) {
        failureCount = 0;
        changed(nowMs);
      }
      return null;
    }
    failureCount++;
    if (failureCount >= settings.failureThreshold()) {
      return open(nowMs, "failure_threshold");
    }
    changed(nowMs);
    return null;
  }

  private Transition open(long nowMs, String reason) {
    openedAtMs = nowMs;
    trialCount = 0;
    return moveTo(OPEN, nowMs, reason);
  }

  private Transition close(long nowMs, String reason) {
    failureCount = 0;
    openedAtMs = NO_TIME;
    trialCount = 0;
    return moveTo(CLOSED, nowMs, reason);
  }

  private Transition moveTo(BreakerState to, long nowMs, String reason) {
    BreakerState from = state;
    if (!isLegal(from, to)) {
      throw new IllegalStateException("breaker '" + name + "': illegal transition " + from + " -> " + to);
    }
    state = to;
    changed(nowMs);
    return new Transition(name, from, to, nowMs, reason, version);
  }

  private void changed(long nowMs) {
    version++;
    updatedAtMs = nowMs;
  }

  private long grantTrial() {
    if (trials.length == trialCount) {
      trials = Arrays.copyOf(trials, Math.max(1, trialCount * 2));
    }
    long permit = ++permitSeq;
    trials[trialCount++] = permit;
    return permit;
  }

  /** Removes an outstanding trial: the given one, or the oldest when no permit is given. */
  private boolean takeTrial(Long permit) {
    if (trialCount == 0) {
      return false;
    }
    int index = 0;
    if (permit != null) {
      index = -1;
      for (int i = 0; i < trialCount; i++) {
        if (trials[i] == permit) {
          index = i;
          break;
        }
      }
      if (index < 0) {
        return false;
      }
    }
    System.arraycopy(trials, index + 1, trials, index, trialCount - index - 1);
    trialCount--;
    return true;
  }
}
