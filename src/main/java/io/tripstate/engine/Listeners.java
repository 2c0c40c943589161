package io.tripstate.engine;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.Decision;
import io.tripstate.breaker.Outcome;
import io.tripstate.breaker.Transition;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.Arrays;

/**
 * The engine's listeners, told in the order they were added. A listener that keeps one of the optional
 * callbacks as the interface's no-op default is not called for it, so the hot path ({@code onRecorded} on
 * every outcome, {@code onRejected} on every rejection) pays only for listeners that listen. A listener that
 * throws is logged at ERROR with the breaker's name and does not keep the others from hearing the change.
 */
final class Listeners {
  private static final Logger LOG = System.getLogger(Listeners.class.getName());
  private static final BreakerRegistry.Listener[] NONE = new BreakerRegistry.Listener[0];

  private BreakerRegistry.Listener[] all = NONE;
  private BreakerRegistry.Listener[] created = NONE;
  private BreakerRegistry.Listener[] restored = NONE;
  private BreakerRegistry.Listener[] recorded = NONE;
  private BreakerRegistry.Listener[] rejected = NONE;
  private BreakerRegistry.Listener[] remote = NONE;

  void add(BreakerRegistry.Listener listener) {
    all = append(all, listener);
    if (overrides(listener, "onCreated", Breaker.class)) {
      created = append(created, listener);
    }
    if (overrides(listener, "onRestored", Breaker.class)) {
      restored = append(restored, listener);
    }
    if (overrides(listener, "onRecorded", Breaker.class, Outcome.class, Double.class)) {
      recorded = append(recorded, listener);
    }
    if (overrides(listener, "onRejected", Breaker.class, Decision.class)) {
      rejected = append(rejected, listener);
    }
    if (overrides(listener, "onRemoteTransition", Breaker.class, Transition.class, String.class)) {
      remote = append(remote, listener);
    }
  }

  void onTransition(Breaker breaker, Transition transition) {
    for (BreakerRegistry.Listener listener : all) {
      try {
        listener.onTransition(breaker, transition);
      } catch (RuntimeException e) {
        failed(listener, "a transition", breaker, e);
      }
    }
  }

  void onCounterChange(Breaker breaker) {
    for (BreakerRegistry.Listener listener : all) {
      try {
        listener.onCounterChange(breaker);
      } catch (RuntimeException e) {
        failed(listener, "a counter change", breaker, e);
      }
    }
  }

  void onCreated(Breaker breaker) {
    for (BreakerRegistry.Listener listener : created) {
      try {
        listener.onCreated(breaker);
      } catch (RuntimeException e) {
        failed(listener, "a new breaker", breaker, e);
      }
    }
  }

  void onRestored(Breaker breaker) {
    for (BreakerRegistry.Listener listener : restored) {
      try {
        listener.onRestored(breaker);
      } catch (RuntimeException e) {
        failed(listener, "a restore", breaker, e);
      }
    }
  }

  void onRecorded(Breaker breaker, Outcome outcome, Double durationMs) {
    for (BreakerRegistry.Listener listener : recorded) {
      try {
        listener.onRecorded(breaker, outcome, durationMs);
      } catch (RuntimeException e) {
        failed(listener, "an outcome", breaker, e);
      }
    }
  }

  void onRejected(Breaker breaker, Decision decision) {
    for (BreakerRegistry.Listener listener : rejected) {
      try {
        listener.onRejected(breaker, decision);
      } catch (RuntimeException e) {
        failed(listener, "a rejection", breaker, e);
      }
    }
  }

  void onRemoteTransition(Breaker breaker, Transition transition, String origin) {
    for (BreakerRegistry.Listener listener : remote) {
      try {
        listener.onRemoteTransition(breaker, transition, origin);
      } catch (RuntimeException e) {
        failed(listener, "a remote transition", breaker, e);
      }
    }
  }

  private static void failed(BreakerRegistry.Listener listener, String what, Breaker breaker, RuntimeException e) {
    LOG.log(Level.ERROR, "Listener " + listener.getClass().getName() + " failed on " + what + " of breaker '"
        + breaker.name() + "'", e);
  }

  /** Whether the listener's class implements an optional callback instead of keeping the default. */
  private static boolean overrides(BreakerRegistry.Listener listener, String method, Class<?>... parameters) {
    try {
      return listener.getClass().getMethod(method, parameters).getDeclaringClass() != BreakerRegistry.Listener.class;
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("BreakerRegistry.Listener." + method + " is missing", e);
    }
  }

  private static BreakerRegistry.Listener[] append(BreakerRegistry.Listener[] listeners,
      BreakerRegistry.Listener listener) {
    BreakerRegistry.Listener[] more = Arrays.copyOf(listeners, listeners.length + 1);
    more[listeners.length] = listener;
    return more;
  }
}
