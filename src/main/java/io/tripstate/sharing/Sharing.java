package io.tripstate.sharing;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Snapshot;
import io.tripstate.breaker.Transition;
import io.tripstate.config.SharingConfig;
import io.tripstate.engine.BreakerEngine;
import io.tripstate.engine.Scheduler;
import io.tripstate.store.Persistence;
import io.tripstate.store.RepeatedWarning;
import io.tripstate.store.SnapshotCodec;
import io.tripstate.store.SnapshotFormatException;
import io.tripstate.store.SnapshotStore;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Shares breaker states across app instances through Redis (issue: sharing). The instance's decisions never
 * wait for it: it only decides which changes persistence writes ({@link Persistence.SharePolicy}), announces
 * the written ones on the {@link TransitionStream}, and applies what other instances announced through the
 * engine, as soon as its reader sees it.
 *
 * <ul>
 *   <li>Written and announced: the transitions of shared breakers, except {@code half_open} (each instance
 *       derives it from the shared {@code opened_at}; the trial lease picks who probes) and opens below the
 *       {@code openQuorum}. Counters stay local: counter-only changes are never written to a shared key.
 *   <li>Applied: an announced snapshot whose version is above the one the local breaker is based on; the rest
 *       is old news. A conflicting local write is refused by the store's compare-and-set and the breaker takes
 *       what Redis holds ({@code BreakerRegistry.reconcile}'s shared rule).
 *   <li>Nothing lost when a message is: the reader resumes from its last-seen id after any reconnect, every
 *       {@code resyncMs} a range read makes sure nothing was missed (one command when nothing was), and every
 *       snapshot is reloaded only when the stream no longer holds that id, or an instance vanished (it may
 *       have written without announcing).
 *   <li>Presence: a heartbeat every {@code heartbeatMs} (also with sharing off, to warn of another instance
 *       writing the same prefix).
 * </ul>
 * Confined to the owner's event loop: every Redis answer hops there through the owner executor.
 */
public final class Sharing implements Persistence.SharePolicy, BreakerRegistry.Listener {
  private static final Logger LOG = System.getLogger(Sharing.class.getName());
  static final int BATCH = 1_000;
  /** The longest a blocking read waits before it reads again (one command per this, idle). */
  static final long MAX_BLOCK_MS = 5_000;

  private final SharingConfig config;
  private final Predicate<String> shared;
  private BreakerEngine engine;
  private final TransitionStream stream;
  private final InstanceDirectory directory;
  private final Scheduler scheduler;
  private final Executor owner;
  private final Supplier<Future<SnapshotStore.LoadResult>> loadAll;
  private final long retryMs;
  private final JsonObject info;
  private final RepeatedWarning readerWarnings;
  private final RepeatedWarning announceWarnings;
  private final OpenVotes votes;
  private final Persistence persistence;
  private Quorum quorum;
  /** The last stream entry read; {@code null} until this instance has marked its start. */
  private String lastSeen;
  private boolean started;
  private boolean closed;
  private boolean reading;
  private boolean readerConnected;
  private boolean rescanning;
  private final Map<String, Pending> unannounced = new LinkedHashMap<>();
  private Set<String> livePeers = Set.of();
  private final Set<String> conflicts = new TreeSet<>();
  private long resyncTimer = -1;
  private long heartbeatTimer = -1;
  private long announceTimer = -1;
  private long announced;
  private long applied;
  private long rescans;

  private record Pending(Snapshot stored, String reason) {}

  /**
   * @param shared whether a breaker's state is shared ({@code TripstateConfig.shared})
   * @param loadAll reads every snapshot (the store's), for a full resync
   * @param votes the open quorum's votes, or {@code null} when the quorum is 1
   * @param persistence writes the open a quorum agreed on
   */
  Sharing(SharingConfig config, Predicate<String> shared, TransitionStream stream, InstanceDirectory directory,
      Scheduler scheduler, Executor owner, Supplier<Future<SnapshotStore.LoadResult>> loadAll, long retryMs,
      OpenVotes votes, Persistence persistence) {
    this.config = config;
    this.shared = shared;
    this.votes = votes;
    this.persistence = persistence;
    this.stream = stream;
    this.directory = directory;
    this.scheduler = scheduler;
    this.owner = owner;
    this.loadAll = loadAll;
    this.retryMs = retryMs;
    this.readerWarnings = new RepeatedWarning(scheduler::nanoTime);
    this.announceWarnings = new RepeatedWarning(scheduler::nanoTime);
    this.info = new JsonObject().put("instance", config.instanceId()).put("host", SharingConfig.host())
        .put("sharing", config.enabled()).put("started_at", SnapshotCodec.seconds(scheduler.nowMs()));
  }

  /** The engine whose breakers are shared; before {@link #mark()}. */
  public void attach(BreakerEngine breakerEngine) {
    this.engine = breakerEngine;
    this.quorum = config.enabled() && config.openQuorum() > 1 && votes != null
        ? new Quorum(config, breakerEngine, votes, owner, persistence, this::sharedHere) : null;
  }

  public String instanceId() {
    return config.instanceId();
  }

  /** Whether a breaker's state is shared here (sharing on, and the breaker not kept local). */
  public boolean sharedHere(String name) {
    return config.enabled() && shared.test(name);
  }

  /**
   * Whether a trial of this breaker needs the shared trial lease now: shared, this instance hears the others,
   * and the breaker is not open here only (below the open quorum).
   */
  public boolean leases(String name) {
    return connected() && sharedHere(name) && (quorum == null || !quorum.localOnly(name));
  }

  /**
   * Whether this instance hears the others now: its stream reader is connected. While it is not, trials are
   * granted without a lease (the instance decides alone).
   */
  public boolean connected() {
    return config.enabled() && readerConnected;
  }

  /** Marks this instance's start in the stream, before the restore, so that it reads everything after it. */
  public Future<Void> mark() {
    if (!config.enabled()) {
      return Future.succeededFuture();
    }
    return onOwner(stream.hello(config.instanceId())).map(id -> {
      lastSeen = id;
      // Heard from here on: the reader starts at this mark, however long its first read waits for news.
      readerConnected = true;
      return (Void) null;
    }).recover(error -> {
      LOG.log(Level.WARNING, "Sharing: cannot reach the transitions stream ''{0}'' at deploy ({1}); this instance "
          + "decides alone until it can, then reloads every snapshot", stream.key(), error.getMessage());
      return Future.succeededFuture();
    });
  }

  /** Starts reading, resyncing and heartbeating; after the restore. */
  public void start() {
    started = true;
    heartbeat();
    if (config.enabled()) {
      read();
      scheduleResync();
    }
  }

  /** Stops reading, resyncing and heartbeating (announcing goes on until {@link #leave()}). */
  public void stopReading() {
    closed = true;
    scheduler.cancel(resyncTimer);
    scheduler.cancel(heartbeatTimer);
    stream.closeReader();
  }

  /**
   * The last step before the Redis client closes: announces what is written but not announced yet, then
   * leaves the directory, each bounded by the command timeout.
   */
  public Future<Void> leave() {
    stopReading();
    scheduler.cancel(announceTimer);
    if (!started) {
      return Future.succeededFuture();
    }
    List<Future<String>> last = unannounced.entrySet().stream().map(entry -> {
      Snapshot stored = entry.getValue().stored();
      return stream.announce(entry.getKey(), stored.version(), config.instanceId(), entry.getValue().reason(),
          SnapshotCodec.encode(stored));
    }).toList();
    return Future.join(last).transform(v -> directory.leave(config.instanceId()))
        .transform(v -> Future.succeededFuture());
  }

  // ---- what persistence writes, and what follows

  @Override
  public boolean writes(Breaker breaker, Transition transition) {
    if (!sharedHere(breaker.name())) {
      return true;
    }
    if (transition == null || transition.to() == BreakerState.HALF_OPEN) {
      return false;
    }
    return quorum == null || !quorum.localOnly(transition);
  }

  @Override
  public void written(Breaker breaker, Snapshot stored) {
    if (!sharedHere(breaker.name())) {
      return;
    }
    Transition last = breaker.lastTransition();
    String reason = last != null ? last.reason() : "written";
    unannounced.put(breaker.name(), new Pending(stored, reason));
    announce(breaker.name());
  }

  @Override
  public void onTransition(Breaker breaker, Transition transition) {
    if (quorum != null && sharedHere(breaker.name())) {
      quorum.onTransition(breaker, transition);
    }
  }

  @Override
  public void onCounterChange(Breaker breaker) {}

  private void announce(String name) {
    Pending pending = unannounced.get(name);
    if (pending == null) {
      return;
    }
    Snapshot stored = pending.stored();
    onOwner(stream.announce(name, stored.version(), config.instanceId(), pending.reason(),
        SnapshotCodec.encode(stored))).onComplete(result -> {
          if (result.succeeded()) {
            announced++;
            announceWarnings.clear();
            // Only this version's: a newer write of the breaker announces itself.
            unannounced.remove(name, pending);
          } else {
            int suppressed = announceWarnings.check(String.valueOf(result.cause().getMessage()));
            if (suppressed >= 0) {
              LOG.log(Level.WARNING, "Sharing: announcing version {0} of breaker ''{1}'' failed ({2}); will retry{3}",
                  stored.version(), name, result.cause().getMessage(), RepeatedWarning.suppressedNote(suppressed));
            }
            scheduleAnnounceRetry();
          }
        });
  }

  private void scheduleAnnounceRetry() {
    if (announceTimer >= 0) {
      return;
    }
    announceTimer = scheduler.schedule(retryMs, () -> {
      announceTimer = -1;
      List.copyOf(unannounced.keySet()).forEach(this::announce);
    });
  }

  // ---- reading what the others did

  private void read() {
    if (closed || reading) {
      return;
    }
    if (lastSeen == null) {
      // Never marked (Redis was away at deploy): the resync marks, reloads, then reads.
      return;
    }
    reading = true;
    long blockMs = Math.min(MAX_BLOCK_MS, config.resyncMs());
    // After a break, first make sure the stream still holds the last entry read (else reload everything): a
    // read from an id the stream no longer holds would skip the gap without a word. Once that is answered, this
    // instance hears the others (the blocking read goes on from there), though the read may wait long for news.
    Future<Void> gapChecked = readerConnected ? Future.succeededFuture() : checkGap()
        .andThen(checked -> readerConnected = checked.succeeded() && !closed)
        .recover(error -> Future.succeededFuture());
    gapChecked.compose(v -> onOwner(stream.read(lastSeen, BATCH, blockMs))).onComplete(result -> {
      reading = false;
      if (closed) {
        return;
      }
      if (result.succeeded()) {
        readerConnected = true;
        readerWarnings.clear();
        apply(result.result());
        read();
      } else {
        readerConnected = false;
        int suppressed = readerWarnings.check(String.valueOf(result.cause().getMessage()));
        if (suppressed >= 0) {
          LOG.log(Level.WARNING, "Sharing: reading the transitions stream ''{0}'' failed ({1}); this instance "
              + "decides alone until it reads again (retry every {2,number,#} ms){3}", stream.key(),
              result.cause().getMessage(), retryMs, RepeatedWarning.suppressedNote(suppressed));
        }
        scheduler.schedule(retryMs, this::read);
      }
    });
  }

  private void scheduleResync() {
    resyncTimer = scheduler.schedule(config.resyncMs(), () -> {
      scheduleResync();
      catchUp();
      read();
    });
  }

  /**
   * Reads everything after {@code lastSeen} with ranges (one command when nothing was missed); reloads every
   * snapshot when the stream no longer holds {@code lastSeen} (trimmed, or lost with a Redis restart).
   */
  Future<Void> catchUp() {
    return checkGap().recover(error -> Future.succeededFuture());
  }

  /** {@link #catchUp}, failed when Redis did not answer. */
  private Future<Void> checkGap() {
    if (closed || rescanning) {
      return Future.succeededFuture();
    }
    if (lastSeen == null) {
      return rescan("this instance has not read the stream yet");
    }
    String from = lastSeen;
    return onOwner(stream.range(from, BATCH)).compose(entries -> {
      if (!from.equals(lastSeen)) {
        return Future.<Void>succeededFuture(); // the reader or a reload moved on meanwhile: judged from there
      }
      if (entries.isEmpty() || !entries.get(0).id().equals(from)) {
        return rescan("the stream no longer holds entry " + from);
      }
      apply(entries.subList(1, entries.size()));
      return entries.size() == BATCH ? checkGap() : Future.<Void>succeededFuture();
    });
  }

  /** Marks a new start in the stream, then takes every stored snapshot newer than the local breaker's. */
  Future<Void> rescan(String why) {
    rescanning = true;
    LOG.log(Level.INFO, "Sharing: reloading every snapshot: {0}", why);
    return onOwner(stream.hello(config.instanceId()))
        .compose(id -> {
          if (lastSeen == null || TransitionStream.compareIds(id, lastSeen) > 0) {
            lastSeen = id;
          }
          return onOwner(loadAll.get());
        })
        .map(load -> {
          rescans++;
          for (Snapshot snapshot : load.snapshots()) {
            applyStored(snapshot, "resync", snapshot.instance());
          }
          read();
          return (Void) null;
        })
        .onFailure(error -> LOG.log(Level.WARNING, "Sharing: reloading every snapshot failed ({0}); the next resync "
            + "tries again", String.valueOf(error)))
        .eventually(() -> {
          rescanning = false;
          return Future.succeededFuture();
        });
  }

  private void apply(List<TransitionStream.Entry> entries) {
    for (TransitionStream.Entry entry : entries) {
      if (lastSeen != null && TransitionStream.compareIds(entry.id(), lastSeen) <= 0) {
        continue;
      }
      lastSeen = entry.id();
      if (!TransitionStream.TRANSITION.equals(entry.type()) || config.instanceId().equals(entry.instance())) {
        continue;
      }
      if (entry.name() == null || entry.snapshot() == null || entry.version() <= 0 || !sharedHere(entry.name())) {
        continue;
      }
      Snapshot snapshot;
      try {
        snapshot = SnapshotCodec.decode(entry.name(), entry.snapshot()).withVersion(entry.version());
      } catch (SnapshotFormatException e) {
        LOG.log(Level.WARNING, "Sharing: skipped unreadable stream entry {0} for breaker ''{1}'': {2}", entry.id(),
            entry.name(), e.getMessage());
        continue;
      }
      applyStored(snapshot, entry.reason() == null ? "remote" : entry.reason(), entry.instance());
    }
  }

  /** Takes a snapshot another instance wrote, unless the local breaker is based on it or on a newer one. */
  private void applyStored(Snapshot snapshot, String reason, String origin) {
    if (!sharedHere(snapshot.name())) {
      return;
    }
    Breaker local = engine.peek(snapshot.name());
    if (local != null && snapshot.version() <= local.versions().storedVersion()) {
      return;
    }
    try {
      engine.applyRemote(snapshot, reason, origin == null ? "unknown" : origin);
      applied++;
      if (quorum != null) {
        quorum.tookShared(snapshot.name());
      }
    } catch (BreakerRegistry.LimitExceededException e) {
      LOG.log(Level.WARNING, "Sharing: breaker ''{0}'' of instance ''{1}'' not taken: {2}", snapshot.name(), origin,
          e.getMessage());
    }
  }

  // ---- presence

  private void heartbeat() {
    if (closed) {
      return;
    }
    long every = config.heartbeatMs();
    heartbeatTimer = scheduler.schedule(every, this::heartbeat);
    info.put("breakers", engine.size());
    onOwner(directory.heartbeat(config.instanceId(), info, 10 * every)).onSuccess(seen -> {
      Set<String> live = new HashSet<>();
      for (InstanceDirectory.Instance instance : seen.instances()) {
        if (!instance.id().equals(config.instanceId()) && instance.seenAtMs() >= seen.nowMs() - 3 * every) {
          live.add(instance.id());
          boolean otherShares = instance.info().getBoolean("sharing", false);
          if ((!config.enabled() || !otherShares) && conflicts.add(instance.id())) {
            LOG.log(Level.WARNING, "Instance ''{0}'' (host {1}) also writes breakers under this key prefix with "
                + "sharing {2} here and {3} there: each overwrites the other''s snapshots. Turn sharing on "
                + "everywhere (sharing.enabled) or give each instance its own persistence.keyPrefix", instance.id(),
                instance.info().getString("host"), config.enabled() ? "on" : "off", otherShares ? "on" : "off");
          }
        }
      }
      conflicts.retainAll(live);
      Set<String> gone = new HashSet<>(livePeers);
      gone.removeAll(live);
      livePeers = live;
      if (config.enabled() && !gone.isEmpty() && lastSeen != null) {
        // A vanished instance may have written a transition it never announced.
        rescan("instance(s) " + new TreeSet<>(gone) + " left or vanished");
      }
    });
  }

  /** The live instances on this prefix (a heartbeat, answered with everyone's), this one included. */
  public Future<JsonObject> instances() {
    long every = config.heartbeatMs();
    info.put("breakers", engine.size());
    return onOwner(directory.heartbeat(config.instanceId(), info, 10 * every)).map(seen -> {
      JsonArray list = new JsonArray();
      for (InstanceDirectory.Instance instance : seen.instances()) {
        if (instance.seenAtMs() >= seen.nowMs() - 3 * every) {
          list.add(instance.info().copy().put("instance", instance.id())
              .put("seen_ms_ago", Math.max(0, seen.nowMs() - instance.seenAtMs()))
              .put("self", instance.id().equals(config.instanceId())));
        }
      }
      return new JsonObject().put("instance", config.instanceId()).put("instances", list);
    });
  }

  /** {@code {"enabled", "instance", "connected", "last_seen_id", "announced", "applied", "rescans", ...}}. */
  public JsonObject status() {
    JsonObject status = new JsonObject().put("enabled", config.enabled()).put("instance", config.instanceId())
        .put("connected", connected()).put("live_peers", livePeers.size())
        .put("conflicts", new JsonArray(List.copyOf(conflicts)));
    if (config.enabled()) {
      status.put("last_seen_id", lastSeen).put("announced", announced).put("applied", applied)
          .put("rescans", rescans).put("unannounced", unannounced.size()).put("open_quorum", config.openQuorum());
    }
    return status;
  }

  private <T> Future<T> onOwner(Future<T> future) {
    Promise<T> promise = Promise.promise();
    future.onComplete(result -> owner.execute(() -> promise.handle(result)));
    return promise.future();
  }
}
