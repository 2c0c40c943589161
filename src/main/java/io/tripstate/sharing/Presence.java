package io.tripstate.sharing;

import io.tripstate.config.SharingConfig;
import io.tripstate.engine.Scheduler;
import io.tripstate.store.SnapshotCodec;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * This instance's presence on a key prefix: a heartbeat every {@code heartbeatMs} into the
 * {@link InstanceDirectory} (with sharing off too), the live peers it answers with, and the instances that write
 * the same prefix with sharing set differently (a WARN naming each, once, and {@code conflicts} in status). An
 * instance unseen for three heartbeats counts as gone; one unseen for ten is dropped from the directory.
 * Confined to the owner's event loop.
 */
final class Presence {
  private static final Logger LOG = System.getLogger(Presence.class.getName());
  static final int LIVE_HEARTBEATS = 3;
  static final int FORGET_HEARTBEATS = 10;

  private final SharingConfig config;
  private final InstanceDirectory directory;
  private final Scheduler scheduler;
  private final OnOwnerFutures owner;
  private final IntSupplier breakers;
  private final Consumer<Set<String>> gone;
  private final JsonObject info;
  private Set<String> livePeers = Set.of();
  private final Set<String> conflicts = new TreeSet<>();
  private long timer = -1;
  private boolean stopped;

  /**
   * @param breakers how many breakers this instance holds, for the directory
   * @param gone told of the peers that left or vanished since the last heartbeat
   */
  Presence(SharingConfig config, InstanceDirectory directory, Scheduler scheduler, OnOwnerFutures owner,
      IntSupplier breakers, Consumer<Set<String>> gone) {
    this.config = config;
    this.directory = directory;
    this.scheduler = scheduler;
    this.owner = owner;
    this.breakers = breakers;
    this.gone = gone;
    this.info = new JsonObject().put("instance", config.instanceId()).put("host", SharingConfig.host())
        .put("sharing", config.enabled()).put("started_at", SnapshotCodec.seconds(scheduler.nowMs()));
  }

  /** Heartbeats now and every {@code heartbeatMs}. */
  void start() {
    if (stopped) {
      return;
    }
    timer = scheduler.schedule(config.heartbeatMs(), this::start);
    owner.on(beat()).onSuccess(this::seen);
  }

  void stop() {
    stopped = true;
    scheduler.cancel(timer);
  }

  /** Leaves the directory, so that the others see this instance gone at once. */
  Future<Void> leave() {
    stop();
    return directory.leave(config.instanceId());
  }

  int livePeers() {
    return livePeers.size();
  }

  JsonArray conflicts() {
    return new JsonArray(List.copyOf(conflicts));
  }

  /** The live instances on this prefix, this one included (a heartbeat, answered with everyone's). */
  Future<JsonObject> instances() {
    return owner.on(beat()).map(seen -> {
      JsonArray list = new JsonArray();
      for (InstanceDirectory.Instance instance : seen.instances()) {
        if (live(instance, seen)) {
          JsonObject info = instance.info().copy();
          // Read back as a double, it would print as 1.79E9: epoch seconds with a plain fraction again.
          if (info.getValue("started_at") instanceof Number started) {
            info.put("started_at", SnapshotCodec.seconds(Math.round(started.doubleValue() * 1000)));
          }
          list.add(info.put("instance", instance.id())
              .put("seen_ms_ago", Math.max(0, seen.nowMs() - instance.seenAtMs()))
              .put("self", instance.id().equals(config.instanceId())));
        }
      }
      return new JsonObject().put("instance", config.instanceId()).put("instances", list);
    });
  }

  private Future<InstanceDirectory.Seen> beat() {
    info.put("breakers", breakers.getAsInt());
    return directory.heartbeat(config.instanceId(), info, FORGET_HEARTBEATS * config.heartbeatMs());
  }

  private boolean live(InstanceDirectory.Instance instance, InstanceDirectory.Seen seen) {
    return instance.seenAtMs() >= seen.nowMs() - LIVE_HEARTBEATS * config.heartbeatMs();
  }

  private void seen(InstanceDirectory.Seen seen) {
    if (stopped) {
      return;
    }
    Set<String> live = new HashSet<>();
    for (InstanceDirectory.Instance instance : seen.instances()) {
      if (instance.id().equals(config.instanceId()) || !live(instance, seen)) {
        continue;
      }
      live.add(instance.id());
      boolean otherShares = instance.info().getBoolean("sharing", false);
      if ((!config.enabled() || !otherShares) && conflicts.add(instance.id())) {
        LOG.log(Level.WARNING, "Instance ''{0}'' (host {1}) also writes breakers under this key prefix with sharing "
            + "{2} here and {3} there: each overwrites the other''s snapshots. Turn sharing on everywhere "
            + "(sharing.enabled) or give each instance its own persistence.keyPrefix", instance.id(),
            instance.info().getString("host"), config.enabled() ? "on" : "off", otherShares ? "on" : "off");
      }
    }
    conflicts.retainAll(live);
    Set<String> left = new TreeSet<>(livePeers);
    left.removeAll(live);
    livePeers = live;
    if (!left.isEmpty()) {
      gone.accept(left);
    }
  }
}
