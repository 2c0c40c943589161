package io.tripstate.sharing;

import io.tripstate.config.TripstateConfig;
import io.tripstate.engine.BreakerEngine;
import io.tripstate.engine.Scheduler;
import io.tripstate.store.Persistence;
import io.tripstate.store.RedisSnapshotStore;
import io.vertx.core.Vertx;
import java.util.concurrent.Executor;

/** Builds the {@link Sharing} of a verticle on the snapshots' Redis client. */
public final class SharingFactory {
  private SharingFactory() {}

  /**
   * Sharing (and, with sharing off, presence only) on {@code store}'s client; with sharing on it also becomes
   * {@code persistence}'s share policy, and the store keeps the breakers that are not shared under keys of
   * this instance.
   */
  public static Sharing create(Vertx vertx, TripstateConfig config, RedisSnapshotStore store, Persistence persistence,
      Scheduler scheduler, Executor owner) {
    String prefix = config.persistence().keyPrefix();
    long timeoutMs = config.persistence().commandTimeoutMs();
    var sharingConfig = config.sharing();
    Sharing sharing = new Sharing(sharingConfig, config::shared,
        new TransitionStream(vertx, store.client(), config.redisOptions(), prefix, sharingConfig.streamMaxLength(),
            timeoutMs, config.persistence().restoreTimeoutMs()),
        new InstanceDirectory(store.client(), prefix, timeoutMs), scheduler, owner, store::loadAll,
        config.persistence().retryMs(), new OpenVotes(store.client(), prefix, timeoutMs), persistence);
    if (sharingConfig.enabled()) {
      store.instanceLocal(sharingConfig.instanceId(), name -> !config.shared(name));
      persistence.sharePolicy(sharing);
    }
    return sharing;
  }

  /**
   * The trial lease of shared breakers, for {@code acquire} and {@code call}: taken when {@code sharing} says a
   * breaker leases now ({@link Sharing#leases}).
   */
  public static TrialGate trialGate(BreakerEngine engine, TripstateConfig config, RedisSnapshotStore store,
      Sharing sharing, Executor owner) {
    return new TrialGate(engine, new TrialLeases(store.client(), config.persistence().keyPrefix(),
        config.persistence().commandTimeoutMs()), sharing.instanceId(), sharing::leases, owner);
  }
}
