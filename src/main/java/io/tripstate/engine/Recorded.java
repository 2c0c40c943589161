package io.tripstate.engine;

import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Transition;
import java.util.List;

/**
 * What recording an outcome did: the breaker's state after it and the transitions it caused, oldest first.
 * A record that caused no transition is one of five shared instances, so the hot path allocates nothing.
 */
public record Recorded(BreakerState state, List<Transition> transitions) {
  private static final Recorded[] QUIET = quiet();

  static Recorded of(BreakerState state, List<Transition> transitions) {
    return transitions.isEmpty() ? QUIET[state.ordinal()] : new Recorded(state, transitions);
  }

  private static Recorded[] quiet() {
    BreakerState[] states = BreakerState.values();
    Recorded[] quiet = new Recorded[states.length];
    for (BreakerState state : states) {
      quiet[state.ordinal()] = new Recorded(state, List.of());
    }
    return quiet;
  }
}
