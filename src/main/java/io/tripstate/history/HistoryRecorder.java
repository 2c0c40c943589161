package io.tripstate.history;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.Transition;
import io.tripstate.engine.Scheduler;
import io.tripstate.store.RepeatedWarning;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * Appends every transition to the {@link TransitionHistory} at once (one command per transition, not
 * batched) and never waits for it: a reply is never held up by the history. A failed append is logged at
 * WARN with the breaker and its key, at most once a minute (the next warning says how many were lost in
 * between), and the first success after a warning at INFO. Runs on the owner's event loop.
 */
public final class HistoryRecorder implements BreakerRegistry.Listener {
  private static final Logger LOG = System.getLogger(HistoryRecorder.class.getName());

  private final TransitionHistory history;
  private final RepeatedWarning warnings;
  private boolean warnedSinceRecovery;
  private long lost;
  private boolean closed;

  public HistoryRecorder(TransitionHistory history, Scheduler scheduler) {
    this.history = history;
    this.warnings = new RepeatedWarning(scheduler::nanoTime);
  }

  @Override
  public void onTransition(Breaker breaker, Transition transition) {
    if (closed) {
      return;
    }
    history.append(transition).onComplete(result -> {
      if (result.succeeded()) {
        recovered();
      } else {
        failed(transition, result.cause());
      }
    });
  }

  @Override
  public void onCounterChange(Breaker breaker) {
    // Counters are not history.
  }

  /** Transitions that could not be added to the history so far. */
  public long lost() {
    return lost;
  }

  /** Appends nothing more and closes the history (the verticle stops; the shared Redis client closes next). */
  public void close() {
    closed = true;
    history.close();
  }

  private void failed(Transition transition, Throwable cause) {
    lost++;
    // One key for every breaker: a failing Redis fails them all, and one line a minute says so.
    int suppressed = warnings.check("history append failed");
    if (suppressed < 0) {
      return;
    }
    String before = suppressed > 0 ? " (" + suppressed + " more were lost since the last warning)" : "";
    LOG.log(Level.WARNING, "Breaker ''{0}'': transition {1} -> {2} not added to its history at ''{3}'': {4}{5}",
        transition.name(), transition.from(), transition.to(), history.key(transition.name()),
        cause.getMessage() != null ? cause.getMessage() : cause.toString(), before);
    warnedSinceRecovery = true;
  }

  /** Said once after each warning, so that alternating successes and failures cost two lines a minute at most. */
  private void recovered() {
    if (warnedSinceRecovery) {
      LOG.log(Level.INFO, "Transitions are added to the history again ({0} lost in all)", lost);
      warnedSinceRecovery = false;
    }
  }
}
