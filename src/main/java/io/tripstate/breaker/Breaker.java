package io.tripstate.breaker;

import static io.tripstate.breaker.BreakerState.CLOSED;
import static io.tripstate.breaker.BreakerState.DISABLED;
import static io.tripstate.breaker.BreakerState.FORCED_OPEN;
import static io.tripstate.breaker.BreakerState.HALF_OPEN;
import static io.tripstate.breaker.BreakerState.OPEN;

import java.util.List;

/**
 * One circuit breaker: a pure state machine. It reads no clock (every method takes {@code nowMs}) and
 * knows nothing of Vert.x or Redis. Not thread-safe by design: its owner confines it to one thread.
 *
 * <p>Time-driven changes (an expired trial, the end of a {@code forced_open}) happen in {@link #tick(long)},
 * which the owner calls at {@link #nextDeadline()} and before every other operation; the operations
 * themselves assume it was called. Legal moves are listed once, in {@link #isLegal}; any other move is a bug
 * and fails loudly.
 */
public final class Breaker {
  private static final long NO_TIME = Long.MIN_VALUE;
  /**
   * The permit of a call permitted in closed or disabled (by the owner or by the in-process fast path): it
   * counts in closed, and is refused in half-open, where only trials decide.
   */
  public static final long UNTRACKED_PERMIT = 0;
  /** {@link #UNTRACKED_PERMIT} as the API writes permits. */
  public static final String UNTRACKED_PERMIT_TEXT = "0";
  /*
   * Closed and disabled hand out the untracked permit: only trials need telling apart, and a shared answer
   * keeps the hot path free of allocation.
   */
  private static final Decision PERMITTED_CLOSED = new Decision(true, CLOSED, UNTRACKED_PERMIT, 0, List.of());
  private static final Decision PERMITTED_DISABLED = new Decision(true, DISABLED, UNTRACKED_PERMIT, 0, List.of());
  private static final Decision HALF_OPEN_FULL = new Decision(false, HALF_OPEN, 0, 0, List.of());

  private final String name;
  private final BreakerSettings settings;
  private final OutcomeWindow window;
  private final Trials trials = new Trials();
  private BreakerState state = CLOSED;
  private int failureCount;
  private long openedAtMs = NO_TIME;
  private long openTimeoutMs;
  private long forcedUntilMs = NO_TIME;
  private int halfOpenSuccesses;
  private long updatedAtMs;
  private long permitSeq;
  /** Allocated at the first change or adoption of a stored version: an idle breaker carries none. */
  private Versions versions;
  private Transition lastTransition;
  /** The app instance that made the last transition: this one ({@link #localInstance}) or a stored copy's. */
  private String instance;
  /** This app instance's id, given to the transitions made here; {@code null} when unknown. */
  String localInstance;
  /** The deadline the owner has queued for this breaker; maintained by the registry. */
  long queuedDeadline = Long.MAX_VALUE;

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
    this.openTimeoutMs = settings.resetTimeoutMs();
    this.window = settings.window().type() == WindowType.CONSECUTIVE ? null : OutcomeWindow.create(settings.window());
  }

  /**
   * A breaker in the state of a stored snapshot, with no trials out. Under changed settings: the window
   * restarts empty when its type or size changed, and the open time never exceeds the new maximum.
   */
  public static Breaker restore(Snapshot snapshot, BreakerSettings settings, long permitSeed) {
    Breaker breaker = new Breaker(snapshot.name(), settings, permitSeed);
    breaker.adopt(snapshot);
    return breaker;
  }

  /**
   * Takes the state of a stored snapshot (restore rules as in {@link #restore}); local counters and trials are
   * dropped (late outcomes of those trials are refused), nothing is left to write, and permits keep their
   * sequence, so that a permit handed out before never matches a new trial.
   */
  void adopt(Snapshot snapshot) {
    trials.clear(true);
    instance = snapshot.instance();
    state = snapshot.state();
    openedAtMs = snapshot.openedAtMs() == null ? NO_TIME : snapshot.openedAtMs();
    forcedUntilMs = snapshot.forcedUntilMs() == null ? NO_TIME : snapshot.forcedUntilMs();
    halfOpenSuccesses = snapshot.halfOpenSuccesses();
    if (versions != null || snapshot.version() != 0) {
      versions().adopted(snapshot.version());
    }
    updatedAtMs = snapshot.updatedAtMs();
    Long stored = snapshot.openTimeoutMs();
    openTimeoutMs = stored == null ? settings.resetTimeoutMs() : Math.max(1, Math.min(stored,
        settings.maxOpenTimeoutMs()));
    WindowState counters = snapshot.window();
    if (window == null) {
      failureCount = counters == null ? snapshot.failureCount() : 0;
      return;
    }
    window.clear();
    if (counters != null && counters.type() == settings.window().type()
        && counters.size() == settings.window().size()) {
      window.load(counters);
      // Not recomputed from the window: failed trials count here but not in the window.
      failureCount = snapshot.failureCount();
    } else {
      failureCount = snapshot.state() == CLOSED ? 0 : snapshot.failureCount();
    }
  }

  /** Whether the state machine allows moving from one state to another. */
  public static boolean isLegal(BreakerState from, BreakerState to) {
    return switch (to) {
      case CLOSED, FORCED_OPEN, DISABLED -> true;
      case OPEN -> from == CLOSED || from == HALF_OPEN;
      case HALF_OPEN -> from == OPEN || from == FORCED_OPEN;
    };
  }

  /** When {@link #tick(long)} has something to do, epoch ms; {@code Long.MAX_VALUE} for never. */
  public long nextDeadline() {
    if (state == HALF_OPEN && trials.count() > 0) {
      return trials.oldestGrant() + settings.permitTimeoutMs();
    }
    if (state == FORCED_OPEN && forcedUntilMs != NO_TIME) {
      return forcedUntilMs;
    }
    return Long.MAX_VALUE;
  }

  /** Applies what time decided: an expired trial reopens, an elapsed {@code forced_open} goes half-open. */
  public Transition tick(long nowMs) {
    if (nextDeadline() > nowMs) {
      return null;
    }
    if (state == HALF_OPEN) {
      return reopen(nowMs, "trial_expired");
    }
    forcedUntilMs = NO_TIME;
    halfOpenSuccesses = 0;
    return moveTo(HALF_OPEN, nowMs, "forced_open_elapsed");
  }

  /** Asks for a permit. */
  public Decision acquire(long nowMs) {
    switch (state) {
      case CLOSED:
        return PERMITTED_CLOSED;
      case DISABLED:
        return PERMITTED_DISABLED;
      case OPEN: {
        long wait = retryAfterMs(nowMs);
        if (wait > 0) {
          return new Decision(false, OPEN, 0, wait, List.of());
        }
        halfOpenSuccesses = 0;
        Transition transition = moveTo(HALF_OPEN, nowMs, "reset_timeout_elapsed");
        return new Decision(true, HALF_OPEN, grantTrial(nowMs), 0, List.of(transition));
      }
      case HALF_OPEN:
        if (trials.count() < settings.halfOpenMaxCalls()) {
          return new Decision(true, HALF_OPEN, grantTrial(nowMs), 0, List.of());
        }
        return HALF_OPEN_FULL;
      case FORCED_OPEN:
        return new Decision(false, FORCED_OPEN, 0, retryAfterMs(nowMs), List.of());
      default:
        throw new IllegalStateException("unhandled state " + state);
    }
  }

  /**
   * Records the outcome of a call. In {@code closed} it feeds the window; in {@code half_open} only an
   * outstanding trial counts (the one whose permit is given, or the oldest without a permit); in the other
   * states outcomes are ignored.
   *
   * @param permit the permit from {@link #acquire(long)}, or {@code null}
   * @param durationMs how long the call took, or {@code null}; slow when it reaches {@code slowCallDurationMs}
   * @return the transition this caused, or {@code null}; compare {@link Versions#changes()} to see a counter change
   * @throws PermitRejectedException when the permit is unknown, already used or expired (nothing changes)
   */
  public Transition record(Outcome outcome, Long permit, Double durationMs, long nowMs) {
    if (permit != null) {
      trials.check(name, permit, permitSeq);
    }
    boolean slow = durationMs != null && durationMs >= settings.slowCallDurationMs();
    if (state == CLOSED) {
      return outcome == Outcome.IGNORED ? null : recordClosed(outcome == Outcome.FAILURE, slow, nowMs);
    }
    if (state != HALF_OPEN) {
      return null;
    }
    int trial = permit != null ? trials.indexOf(permit) : trials.count() > 0 ? 0 : -1;
    if (trial < 0) {
      if (permit != null) {
        throw new PermitRejectedException(name, permit, "is not a trial of this half-open period");
      }
      return null;
    }
    trials.finish(trial);
    if (outcome == Outcome.IGNORED) {
      return null;
    }
    if (outcome == Outcome.FAILURE) {
      return reopen(nowMs, "trial_failed");
    }
    halfOpenSuccesses++;
    if (halfOpenSuccesses >= settings.successThreshold()) {
      return close(nowMs, "trial_succeeded");
    }
    changed(nowMs);
    return null;
  }

  /** Closes the breaker from any state and clears its counters. */
  public Transition reset(long nowMs) {
    return byOperator(close(nowMs, "reset"));
  }

  /** Rejects everything until {@link #reset} or, when {@code durationMs} is given, until it elapsed. */
  public Transition forceOpen(Long durationMs, long nowMs) {
    halfOpenSuccesses = 0;
    forcedUntilMs = durationMs == null ? NO_TIME : nowMs + durationMs;
    return byOperator(moveTo(FORCED_OPEN, nowMs, "forced_open"));
  }

  /** Permits everything and counts nothing until {@link #reset}. */
  public Transition disable(long nowMs) {
    clearCounters();
    return byOperator(moveTo(DISABLED, nowMs, "disabled"));
  }

  /** Whether {@link #acquire} would grant a trial now, as it would after {@link #tick}; changes nothing. */
  public boolean trialDue(long nowMs) {
    return switch (state) {
      case OPEN -> retryAfterMs(nowMs) == 0;
      case HALF_OPEN -> nextDeadline() > nowMs && trials.count() < settings.halfOpenMaxCalls();
      case FORCED_OPEN -> nextDeadline() <= nowMs;
      default -> false;
    };
  }

  /** Whether a trial permit is out (granted, neither recorded nor expired nor dropped). */
  public boolean trialOut(long permit) {
    return trials.indexOf(permit) >= 0;
  }

  /** Milliseconds until a rejecting breaker may permit again; 0 when due or unknown. */
  public long retryAfterMs(long nowMs) {
    if (state == OPEN) {
      return Math.max(0, openedAtMs + openTimeoutMs - nowMs);
    }
    if (state == FORCED_OPEN && forcedUntilMs != NO_TIME) {
      return Math.max(0, forcedUntilMs - nowMs);
    }
    return 0;
  }

  /** While open, when a trial becomes possible (epoch ms); 0 in other states. */
  public long openUntilMs() {
    return state == OPEN ? openedAtMs + openTimeoutMs : 0;
  }

  /**
   * The failure rate of the calls in the window, percent (as Resilience4j reports it): -1 until the window holds
   * {@code window.minimumCalls} calls. A {@code consecutive} window counts a run of failures, not a rate: always
   * -1 there ({@code failure_count} shows the run). The window outlives open and half-open, so the rate that
   * opened a breaker stays visible; a close, reset or disable empties it.
   */
  public float failureRate(long nowMs) {
    return window == null ? -1 : rate(window.failures(nowMs), nowMs);
  }

  /** The slow-call rate of the calls in the window, percent; -1 as for {@link #failureRate(long)}. */
  public float slowCallRate(long nowMs) {
    return window == null ? -1 : rate(window.slowCalls(nowMs), nowMs);
  }

  private float rate(int part, long nowMs) {
    int calls = window.calls(nowMs);
    return calls == 0 || calls < settings.window().minimumCalls() ? -1 : part * 100f / calls;
  }

  /** What the window holds now, for metrics; a {@code consecutive} window holds its run of failures. */
  public WindowCounts windowCounts(long nowMs) {
    if (window == null) {
      return new WindowCounts(failureCount, failureCount, 0, 0);
    }
    return new WindowCounts(window.calls(nowMs), window.failures(nowMs), window.slowCalls(nowMs),
        window.slowFailures(nowMs));
  }

  public Snapshot snapshot() {
    return new Snapshot(name, state, failureCount, openedAtMs == NO_TIME ? null : openedAtMs, trials.count(),
        version(), updatedAtMs, openTimeoutMs, forcedUntilMs == NO_TIME ? null : forcedUntilMs,
        halfOpenSuccesses, window == null ? null : window.state(), instance);
  }

  /** What this breaker knows of its stored copy, and which of its changes are not in it. */
  public Versions versions() {
    if (versions == null) {
      versions = new Versions();
    }
    return versions;
  }

  /** The last transition this breaker made here (not one it adopted), or {@code null}. */
  public Transition lastTransition() {
    return lastTransition;
  }

  public String name() {
    return name;
  }

  public BreakerState state() {
    return state;
  }

  /** The store's version of this state: the one it is, or will be, stored as. See {@link Versions#version()}. */
  public long version() {
    return versions == null ? 0 : versions.version();
  }

  public BreakerSettings settings() {
    return settings;
  }

  private Transition recordClosed(boolean failure, boolean slow, long nowMs) {
    if (window == null) {
      if (!failure) {
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
    window.record(failure, slow, nowMs);
    failureCount = window.failures(nowMs);
    if (OutcomeWindow.tripped(window, settings, nowMs)) {
      boolean byFailures = failureCount * 100L >= (long) settings.failureRateThreshold() * window.calls(nowMs);
      return open(nowMs, byFailures ? "failure_rate" : "slow_call_rate");
    }
    changed(nowMs);
    return null;
  }

  private Transition open(long nowMs, String reason) {
    return openFor(settings.resetTimeoutMs(), nowMs, reason);
  }

  /** A failed trial, counted as a failure; the open time grows by the backoff multiplier. */
  private Transition reopen(long nowMs, String reason) {
    failureCount++;
    halfOpenSuccesses = 0;
    double grown = openTimeoutMs * settings.backoff().multiplier();
    return openFor((long) Math.min(grown, (double) settings.maxOpenTimeoutMs()), nowMs, reason);
  }

  private Transition openFor(long timeoutMs, long nowMs, String reason) {
    openedAtMs = nowMs;
    openTimeoutMs = timeoutMs;
    return moveTo(OPEN, nowMs, reason);
  }

  private Transition close(long nowMs, String reason) {
    clearCounters();
    openedAtMs = NO_TIME;
    openTimeoutMs = settings.resetTimeoutMs();
    forcedUntilMs = NO_TIME;
    halfOpenSuccesses = 0;
    return moveTo(CLOSED, nowMs, reason);
  }

  private void clearCounters() {
    failureCount = 0;
    if (window != null) {
      window.clear();
    }
  }

  private Transition moveTo(BreakerState to, long nowMs, String reason) {
    BreakerState from = state;
    if (!isLegal(from, to)) {
      throw new IllegalStateException("breaker '" + name + "': illegal transition " + from + " -> " + to);
    }
    // Trials exist only in half_open: leaving it ends them (remembered as finished, so that their late
    // outcomes are refused, except on a close, which accepts anything).
    trials.clear(to != CLOSED);
    state = to;
    instance = localInstance;
    changed(nowMs);
    versions.transitioned();
    lastTransition = new Transition(name, from, to, nowMs, reason, versions.version());
    return lastTransition;
  }

  private Transition byOperator(Transition transition) {
    versions.byOperator();
    return transition;
  }

  private void changed(long nowMs) {
    versions().changed();
    updatedAtMs = nowMs;
  }

  private long grantTrial(long nowMs) {
    long permit = ++permitSeq;
    trials.grant(permit, nowMs);
    return permit;
  }
}
