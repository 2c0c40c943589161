package io.tripstate.bus;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.Transition;
import io.tripstate.store.SnapshotCodec;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;

/**
 * A listener of the engine that logs every transition at INFO and publishes it on the transitions address as
 * {@code {"name", "from", "to", "at", "reason", "version", "origin", "node"}}: {@code origin} is the app instance
 * that made it ({@code sharing.instanceId}): this one, or another that shares the breaker (sharing across
 * instances), whose transitions are published here too; {@code node} is the cluster node id of the Vert.x
 * instance that published it (the clustered bus delivers it to every node), null when not clustered.
 */
public final class TransitionEvents implements BreakerRegistry.Listener {
  private static final Logger LOG = System.getLogger(TransitionEvents.class.getName());

  private static final DeliveryOptions LOCAL_ONLY = new DeliveryOptions().setLocalOnly(true);

  private final EventBus eventBus;
  private final String address;
  private final String instanceId;
  private final String node;

  /**
   * @param instanceId this app instance's id, the {@code origin} of the transitions made here
   * @param node the cluster node id of this Vert.x instance, {@code null} when it is not clustered
   */
  public TransitionEvents(EventBus eventBus, String address, String instanceId, String node) {
    this.eventBus = eventBus;
    this.address = address;
    this.instanceId = instanceId;
    this.node = node;
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
    LOG.log(Level.INFO, "Breaker ''{0}'': {1} -> {2} ({3}), version {4}", transition.name(), transition.from(),
        transition.to(), transition.reason(), transition.version());
    eventBus.publish(address, toJson(transition).put("origin", instanceId).put("node", node));
  }

  @Override
  public void onRemoteTransition(Breaker breaker, Transition transition, String origin) {
    LOG.log(Level.INFO, "Breaker ''{0}'': {1} -> {2} ({3}) by instance ''{4}'', version {5}", transition.name(),
        transition.from(), transition.to(), transition.reason(), origin, transition.version());
    // Local only: in a clustered Vert.x the instance that made it already published it cluster-wide.
    eventBus.publish(address, toJson(transition).put("origin", origin).put("node", node), LOCAL_ONLY);
  }

  /** Counters are not published. */
  @Override
  public void onCounterChange(Breaker breaker) {}
}
