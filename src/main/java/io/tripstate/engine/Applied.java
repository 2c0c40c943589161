package io.tripstate.engine;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.Transition;
import java.util.List;

/**
 * What an operation on one breaker did: the breaker after it ({@code null} when the name is unknown and the
 * operation does not create breakers) and the transitions it caused, oldest first (often none).
 */
public record Applied(Breaker breaker, List<Transition> transitions) {}
