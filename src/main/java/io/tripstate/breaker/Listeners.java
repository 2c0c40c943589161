package io.tripstate.breaker;

import java.util.List;

/** Several registry listeners told of every change, in the order given (e.g. persistence, then metrics). */
public final class Listeners implements BreakerRegistry.Listener {
  private final List<BreakerRegistry.Listener> listeners;

  private Listeners(List<BreakerRegistry.Listener> listeners) {
    this.listeners = listeners;
  }

  public static BreakerRegistry.Listener of(BreakerRegistry.Listener... listeners) {
    return listeners.length == 1 ? listeners[0] : new Listeners(List.of(listeners));
  }

  @Override
  public void onTransition(Breaker breaker, Transition transition) {
    for (BreakerRegistry.Listener listener : listeners) {
      listener.onTransition(breaker, transition);
    }
  }

  @Override
  public void onCounterChange(Breaker breaker) {
    for (BreakerRegistry.Listener listener : listeners) {
      listener.onCounterChange(breaker);
    }
  }

  @Override
  public void onCreated(Breaker breaker) {
    for (BreakerRegistry.Listener listener : listeners) {
      listener.onCreated(breaker);
    }
  }

  @Override
  public void onRestored(Breaker breaker) {
    for (BreakerRegistry.Listener listener : listeners) {
      listener.onRestored(breaker);
    }
  }

  @Override
  public void onRecorded(Breaker breaker, Outcome outcome, Double durationMs) {
    for (BreakerRegistry.Listener listener : listeners) {
      listener.onRecorded(breaker, outcome, durationMs);
    }
  }

  @Override
  public void onRejected(Breaker breaker, Decision decision) {
    for (BreakerRegistry.Listener listener : listeners) {
      listener.onRejected(breaker, decision);
    }
  }
}
