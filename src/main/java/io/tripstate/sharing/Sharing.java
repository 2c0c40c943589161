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
import io.tripstate.store.SharePolicy;
import io.tripstate.store.SnapshotCodec;
import io.tripstate.store.SnapshotFormatException;
import io.tripstate.store.SnapshotStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * Shares breaker states across app instances through Redis (issue: sharing). The instance's decisions never
 * wait for it: it only decides which changes persistence writes ({@link SharePolicy}), announces
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
public final class Sharing implements SharePolicy, BreakerRegistry.Listener {
  private static final Logger LOG = System.getLogger(Sharing.class.getName());
  static final int BATCH = 1_000;
  /** The longest a blocking read waits before it reads again (one command per this, idle). */
  static final long MAX_BLOCK_MS = 5_000;

  private final SharingConfig config;
  private final Predicate<String> shared;
  private BreakerEngine engine;
  private final TransitionStream stream;
  private final Scheduler scheduler;
  private final OnOwnerFutures owner;
  private final Supplier<Future<SnapshotStore.LoadResult>> loadAll;
  private final long retryMs;
  private final RepeatedWarning readerWarnings;
  private final Announcer announcer;
  private final Presence presence;
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
  private long resyncTimer = -1;
  private long applied;
  private long rescans;

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
    this.scheduler = scheduler;
    this.owner = new OnOwnerFutures(owner);
    this.loadAll = loadAll;
    this.retryMs = retryMs;
    this.readerWarnings = new RepeatedWarning(scheduler::nanoTime);
    this.announcer = new Announcer(stream, config.instanceId(), scheduler, this.owner, retryMs);
    this.presence = new Presence(config, directory, scheduler, this.owner, () -> engine == null ? 0 : engine.size(),
        this::peersGone);
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
    return owner.on(stream.hello(config.instanceId())).map(id -> {
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
    presence.start();
    if (config.enabled()) {
      read();
      scheduleResync();
    }
  }

  /** Stops reading, resyncing and heartbeating (announcing goes on until {@link #leave()}). */
  public void stopReading() {
    closed = true;
    scheduler.cancel(resyncTimer);
    presence.stop();
    stream.closeReader();
  }

  /**
   * The last step before the Redis client closes: announces what is written but not announced yet, then
   * leaves the directory, each bounded by the command timeout.
   */
  public Future<Void> leave() {
    stopReading();
    if (!started) {
      return Future.succeededFuture();
    }
    return announcer.flush().transform(v -> presence.leave()).transform(v -> Future.succeededFuture());
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
    announcer.announce(stored, last != null ? last.reason() : "written");
  }

  @Override
  public void onTransition(Breaker breaker, Transition transition) {
    if (quorum != null && sharedHere(breaker.name())) {
      quorum.onTransition(breaker, transition);
    }
  }

  @Override
  public void onCounterChange(Breaker breaker) {}

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
    gapChecked.compose(v -> owner.on(stream.read(lastSeen, BATCH, blockMs))).onComplete(result -> {
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
    return owner.on(stream.range(from, BATCH)).compose(entries -> {
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
    return owner.on(stream.hello(config.instanceId()))
        .compose(id -> {
          if (lastSeen == null || TransitionStream.compareIds(id, lastSeen) > 0) {
            lastSeen = id;
          }
          return owner.on(loadAll.get());
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

  /** Instances that left or vanished may have written a transition they never announced: reload. */
  private void peersGone(Set<String> gone) {
    if (config.enabled() && lastSeen != null && !closed) {
      rescan("instance(s) " + gone + " left or vanished");
    }
  }

  /** The live instances on this prefix, this one included. */
  public Future<JsonObject> instances() {
    return presence.instances();
  }

  /** {@code {"enabled", "instance", "connected", "last_seen_id", "announced", "applied", "rescans", ...}}. */
  public JsonObject status() {
    JsonObject status = new JsonObject().put("enabled", config.enabled()).put("instance", config.instanceId())
        .put("connected", connected()).put("live_peers", presence.livePeers()).put("conflicts", presence.conflicts());
    if (config.enabled()) {
      status.put("last_seen_id", lastSeen).put("announced", announcer.announced()).put("applied", applied)
          .put("rescans", rescans).put("unannounced", announcer.unannounced()).put("open_quorum", config.openQuorum());
    }
    return status;
  }
}
