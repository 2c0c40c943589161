package io.tripstate.bus;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.Decision;
import io.tripstate.breaker.Outcome;
import io.tripstate.breaker.Transition;
import io.tripstate.store.SnapshotCodec;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * Logs every transition and publishes it on the transitions address as
 * {@code {"name", "from", "to", "at", "reason", "version"}}, then hands every change on to the next
 * listener (persistence). Keeps the fast path's {@link LocalView} current first: new, restored and changed
 * breakers.
 */
public final class TransitionEvents implements BreakerRegistry.Listener {
  private static final Logger LOG = System.getLogger(TransitionEvents.class.getName());

  private final EventBus eventBus;
  private final String address;
  private final BreakerRegistry.Listener next;
  private final LocalView view;

  /** @param view the in-process view to keep current, before anyone is told of the transition */
  public TransitionEvents(EventBus eventBus, String address, LocalView view, BreakerRegistry.Listener next) {
    this.view = view;
    this.eventBus = eventBus;
    this.address = address;
    this.next = next;
  }

  /** The published form of a transition. */
  public static JsonObject toJson(Transition transition) {
    return new JsonObject()
        .put("name", transition.name())
        .put("from", transition.from().wireName())
        .put("to", transition.to().wireName())
        .put("at", SnapshotCodec.seconds(transition.atMs()))
        .put("reason", transition.reason())
        .put("version", transition.version());
  }

  @Override
  public void onTransition(Breaker breaker, Transition transition) {
    view.update(breaker);
    LOG.log(Level.INFO, "Breaker ''{0}'': {1} -> {2} ({3}), version {4}", transition.name(), transition.from(),
        transition.to(), transition.reason(), transition.version());
    next.onTransition(breaker, transition);
    eventBus.publish(address, toJson(transition));
  }

  @Override
  public void onCounterChange(Breaker breaker) {
    next.onCounterChange(breaker);
  }

  @Override
  public void onCreated(Breaker breaker) {
    view.update(breaker);
    next.onCreated(breaker);
  }

  @Override
  public void onRestored(Breaker breaker) {
    view.update(breaker);
    next.onRestored(breaker);
  }

  @Override
  public void onRecorded(Breaker breaker, Outcome outcome, Double durationMs) {
    next.onRecorded(breaker, outcome, durationMs);
  }

  @Override
  public void onRejected(Breaker breaker, Decision decision) {
    next.onRejected(breaker, decision);
  }
}
