package io.tripstate.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Outcome;
import io.tripstate.breaker.Snapshot;
import io.tripstate.breaker.Transition;
import io.tripstate.config.PersistenceConfig;
import io.tripstate.support.ManualScheduler;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Persistence's lifecycle on virtual time with an in-memory store: restore, late restore, degraded and back,
 * a restarted store, refused writes, replies waiting for Redis, and stop. No sleeps: the test moves time.
 */
class PersistenceTest {
  private static final long RETRY_MS = 1_000;
  private static final long COMMAND_TIMEOUT_MS = 500;
  private static final long RESTORE_TIMEOUT_MS = 2_500;

  private final ManualScheduler scheduler = ManualScheduler.atEpoch2026();
  private final InMemorySnapshotStore store = new InMemorySnapshotStore();
  private final SlowLoads loads = new SlowLoads();
  private final PersistenceConfig config = new PersistenceConfig(true, "p:", 600, 60, COMMAND_TIMEOUT_MS,
      RESTORE_TIMEOUT_MS, 1_000, RETRY_MS, true);
  private final Persistence persistence = new Persistence(scheduler, Runnable::run, loads, config, "memory",
      name -> "p:" + name + ":state");
  /** Breakers open after 3 failures for a minute; "sturdy" ones only count. Keys live 60 s, open ones 600 s. */
  private final BreakerRegistry registry = new BreakerRegistry(name -> BreakerSettings.builder()
      .failureThreshold(name.startsWith("sturdy") ? 1_000 : 3).resetTimeoutMs(60_000).openTtlSeconds(600)
      .ttlSeconds(60).build(), 20_000, 0, persistence);

  /** The in-memory store, whose loads answer after {@link #loadMs} of virtual time, or never when negative. */
  private final class SlowLoads implements SnapshotStore {
    long loadMs;

    @Override
    public Future<LoadResult> loadAll() {
      if (loadMs == 0) {
        return store.loadAll();
      }
      Promise<LoadResult> answer = Promise.promise();
      if (loadMs >= 0) {
        scheduler.schedule(loadMs, () -> store.loadAll().onComplete(answer));
      }
      return answer.future();
    }

    @Override
    public Future<WriteResult> write(Snapshot snapshot, long baseVersion, long ttlSeconds) {
      return store.write(snapshot, baseVersion, ttlSeconds);
    }

    @Override
    public Future<String> probe() {
      return store.probe();
    }

    @Override
    public Future<Void> close() {
      return store.close();
    }
  }

  private long now() {
    return scheduler.nowMs();
  }

  private Snapshot open(String name, long version) {
    return new Snapshot(name, BreakerState.OPEN, 3, now() - 10_000, 0, version, now() - 10_000);
  }

  private Future<Void> started() {
    Future<Void> started = persistence.start(registry);
    scheduler.runDue();
    return started;
  }

  private void fail(String name) {
    registry.record(name, Outcome.FAILURE, null, null, now());
  }

  @Test
  void restoresWithinTheDeploymentAndReportsHowManyAndHowLong() {
    // Given a store holding two snapshots, whose load takes 250 ms
    store.put(open("a", 4));
    store.put(open("b", 9));
    loads.loadMs = 250;

    // When persistence starts
    Future<Void> started = persistence.start(registry);
    assertThat(persistence.phase()).isEqualTo(PersistencePhase.RESTORING);
    assertThat(started.isComplete()).isFalse();
    scheduler.advanceMillis(250);

    // Then the deployment may go on, with both breakers as stored, and status says so
    assertThat(started.succeeded()).isTrue();
    assertThat(persistence.phase()).isEqualTo(PersistencePhase.SYNCED);
    assertThat(registry.get("b").version()).isEqualTo(9);
    assertThat(persistence.status().getInteger("restored_count")).isEqualTo(2);
    assertThat(persistence.status().getLong("restore_duration_ms")).isEqualTo(250);
    assertThat(persistence.status().getString("phase")).isEqualTo("synced");
    assertThat(persistence.health()).isEqualTo("UP");
    assertThat(store.writes()).as("a restore writes nothing").isEmpty();
  }

  @Test
  void aStoreThatNeverAnswersAtDeployIsGivenUpAfterTheRestoreTimeoutAndWritesWaitUntilItIsRestored() {
    // Given a store whose load never answers
    store.put(open("db", 9));
    loads.loadMs = -1;
    Future<Void> started = persistence.start(registry);

    // When the restore timeout passes
    scheduler.advanceMillis(RESTORE_TIMEOUT_MS);

    // Then the deployment goes on unrestored, and a local change is held (its base version is unknown)
    assertThat(started.succeeded()).isTrue();
    assertThat(persistence.phase()).isEqualTo(PersistencePhase.UNRESTORED);
    assertThat(persistence.status().getBoolean("restored")).isFalse();
    fail("db");
    assertThat(store.writes()).isEmpty();

    // and once loads answer, the next probe restores late: the stored open state wins over the local count
    loads.loadMs = 10;
    scheduler.advanceMillis(3 * RETRY_MS - RESTORE_TIMEOUT_MS);
    assertThat(persistence.phase()).isEqualTo(PersistencePhase.RESTORING);
    scheduler.advanceMillis(10);
    assertThat(persistence.phase()).isEqualTo(PersistencePhase.SYNCED);
    assertThat(registry.get("db").state()).isEqualTo(BreakerState.OPEN);
    assertThat(registry.get("db").version()).isEqualTo(9);
    assertThat(store.writes()).as("the dropped local count is never written").isEmpty();
  }

  @Test
  void aLateRestoreWritesLocalTransitionsAboveTheStoredVersion() {
    // Given a store that is down at deploy, holding a breaker closed at version 5
    store.put(new Snapshot("db", BreakerState.CLOSED, 0, null, 0, 5, now()));
    store.fail("connection refused");
    assertThat(started().succeeded()).isTrue();
    assertThat(persistence.phase()).isEqualTo(PersistencePhase.UNRESTORED);

    // When it opens here, and the store comes back
    fail("db");
    fail("db");
    fail("db");
    store.heal();
    scheduler.advanceMillis(RETRY_MS);

    // Then the local open state is written as version 6
    assertThat(persistence.phase()).isEqualTo(PersistencePhase.SYNCED);
    assertThat(store.get("db").state()).isEqualTo(BreakerState.OPEN);
    assertThat(store.get("db").version()).isEqualTo(6);
    assertThat(registry.get("db").version()).isEqualTo(6);
    assertThat(persistence.status().getInteger("pending_writes")).isZero();
  }

  @Test
  void aFailingStoreDegradesPersistenceAndAnsweringAgainSyncsIt() {
    // Given synced persistence
    assertThat(started().succeeded()).isTrue();

    // When the store fails, the next health probe degrades persistence, and a transition waits
    store.fail("connection refused");
    scheduler.advanceMillis(RETRY_MS);
    assertThat(persistence.phase()).isEqualTo(PersistencePhase.DEGRADED);
    assertThat(persistence.health()).isEqualTo("DOWN");
    assertThat(persistence.status().getBoolean("connected")).isFalse();
    assertThat(persistence.status().getString("last_error")).contains("connection refused");
    registry.forceOpen("db", null, now());
    assertThat(persistence.status().getInteger("pending_writes")).isEqualTo(1);

    // Then once the store answers, the probe syncs persistence and the waiting write lands
    store.heal();
    scheduler.advanceMillis(RETRY_MS);
    assertThat(persistence.phase()).isEqualTo(PersistencePhase.SYNCED);
    assertThat(store.get("db").state()).isEqualTo(BreakerState.FORCED_OPEN);
    assertThat(persistence.status().getInteger("pending_writes")).isZero();
  }

  @Test
  void aStoreThatRestartedEmptyGetsEveryBreakerWrittenAgain() {
    // Given two breakers written
    assertThat(started().succeeded()).isTrue();
    registry.forceOpen("a", null, now());
    registry.disable("b", now());
    assertThat(store.get("a")).isNotNull();

    // When the store restarts empty (a new run id)
    store.restartEmpty("run-2");
    scheduler.advanceMillis(RETRY_MS);

    // Then both are written again, one version up
    assertThat(store.get("a").state()).isEqualTo(BreakerState.FORCED_OPEN);
    assertThat(store.get("a").version()).isEqualTo(2);
    assertThat(store.get("b").state()).isEqualTo(BreakerState.DISABLED);
  }

  @Test
  void writesCarryTheTtlOfTheStateTheyHold() {
    assertThat(started().succeeded()).isTrue();

    registry.forceOpen("forced", null, now());
    fail("open");
    fail("open");
    fail("open");
    registry.record("sturdy", Outcome.FAILURE, null, null, now());
    scheduler.advanceMillis(config.counterFlushMs());

    assertThat(store.ttlSeconds("forced")).isEqualTo(KeyTtl.NEVER);
    assertThat(store.ttlSeconds("open")).as("60 s open + ttlSeconds 60, over openTtlSeconds 600").isEqualTo(600);
    assertThat(store.ttlSeconds("sturdy")).isEqualTo(60);
  }

  @Test
  void counterChangesAreCoalescedIntoOneWritePerFlushInterval() {
    assertThat(started().succeeded()).isTrue();

    for (int i = 0; i < 50; i++) {
      registry.record("sturdy", Outcome.FAILURE, null, null, now());
    }
    assertThat(store.writes()).isEmpty();
    scheduler.advanceMillis(config.counterFlushMs());

    assertThat(store.writes()).hasSize(1);
    assertThat(store.get("sturdy").failureCount()).isEqualTo(50);
    assertThat(store.get("sturdy").version()).isEqualTo(1);
  }

  @Test
  void aReplyWaitingForATransitionSaysWrittenOnceTheStoreHoldsIt() {
    assertThat(started().succeeded()).isTrue();
    List<Promise<SnapshotStore.WriteResult>> held = new ArrayList<>();
    List<InMemorySnapshotStore.Request> requests = new ArrayList<>();
    store.intercept(request -> {
      Promise<SnapshotStore.WriteResult> answer = Promise.promise();
      held.add(answer);
      requests.add(request);
      return answer.future();
    });

    Transition opened = registry.forceOpen("db", null, now()).lastTransition();
    Future<String> reply = persistence.whenWritten(opened);
    assertThat(reply.isComplete()).isFalse();
    held.get(0).complete(store.apply(requests.get(0)));

    assertThat(reply.result()).isEqualTo("written");
    assertThat(persistence.ackWaiters()).isZero();
  }

  @Test
  void aRefusedTransitionIsNeverReportedWrittenAndTheReplySaysSupersededWhenTheStoredStateWins() {
    // Given a breaker written once, then forced open by another writer (version 5)
    assertThat(started().succeeded()).isTrue();
    fail("db");
    scheduler.advanceMillis(config.counterFlushMs());
    assertThat(store.get("db").version()).isEqualTo(1);
    store.put(new Snapshot("db", BreakerState.FORCED_OPEN, 0, null, 0, 5, now()));

    // When it opens here by itself, with a reply waiting for Redis, and Redis answers
    List<Runnable> answers = new ArrayList<>();
    store.intercept(request -> {
      Promise<SnapshotStore.WriteResult> answer = Promise.promise();
      answers.add(() -> answer.complete(store.apply(request)));
      return answer.future();
    });
    fail("db");
    fail("db");
    Transition opened = registry.get("db").lastTransition();
    Future<String> reply = persistence.whenWritten(opened);
    store.intercept(null);
    answers.forEach(Runnable::run);

    // Then the reply says superseded, and the breaker follows Redis
    assertThat(opened.to()).isEqualTo(BreakerState.OPEN);
    assertThat(reply.result()).isEqualTo("superseded");
    assertThat(registry.get("db").state()).isEqualTo(BreakerState.FORCED_OPEN);
    assertThat(registry.get("db").version()).isEqualTo(5);
    assertThat(store.get("db").version()).isEqualTo(5);
    assertThat(persistence.status().getLong("stale_writes")).isEqualTo(1);
  }

  @Test
  void aRefusedTransitionThatKeepsItsStateIsRewrittenAboveTheStoredVersionBeforeTheReplySaysWritten() {
    // Given a breaker written once, then written closed by another writer (version 5)
    assertThat(started().succeeded()).isTrue();
    fail("db");
    scheduler.advanceMillis(config.counterFlushMs());
    store.put(new Snapshot("db", BreakerState.CLOSED, 0, null, 0, 5, now()));

    // When it opens here, with a reply waiting
    List<Runnable> answers = new ArrayList<>();
    store.intercept(request -> {
      Promise<SnapshotStore.WriteResult> answer = Promise.promise();
      answers.add(() -> answer.complete(store.apply(request)));
      return answer.future();
    });
    fail("db");
    fail("db");
    Future<String> reply = persistence.whenWritten(registry.get("db").lastTransition());
    answers.remove(0).run();

    // Then the refusal does not answer the reply; the rewrite above version 5 does
    assertThat(reply.isComplete()).isFalse();
    assertThat(answers).hasSize(1);
    answers.remove(0).run();
    assertThat(reply.result()).isEqualTo("written");
    assertThat(store.get("db").state()).isEqualTo(BreakerState.OPEN);
    assertThat(store.get("db").version()).isEqualTo(6);
  }

  @Test
  void repliesWaitingDuringAnOutageAreAnsweredPendingAndDroppedAtTheirTimeout() {
    // Given an outage after deploy
    assertThat(started().succeeded()).isTrue();
    store.fail("connection refused");

    // When 20 replies wait for the same breaker's transitions
    List<Future<String>> replies = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      replies.add(persistence.whenWritten(registry.forceOpen("db", null, now()).lastTransition()));
      replies.add(persistence.whenWritten(registry.reset("db", now()).lastTransition()));
    }
    assertThat(persistence.ackWaiters()).isEqualTo(20);

    // Then at the command timeout each says pending, and none is kept
    scheduler.advanceMillis(COMMAND_TIMEOUT_MS);
    assertThat(replies).allSatisfy(reply -> assertThat(reply.result()).isEqualTo("pending"));
    assertThat(persistence.ackWaiters()).isZero();
    assertThat(persistence.status().getInteger("ack_waiters")).isZero();
  }

  @Test
  void atMostTenThousandRepliesWaitAtOnceAndTheRestSayPendingAtOnce() {
    assertThat(started().succeeded()).isTrue();
    store.fail("connection refused");

    for (int i = 0; i < AckWaiters.MAX_WAITERS; i++) {
      persistence.whenWritten(registry.forceOpen("b" + i, null, now()).lastTransition());
    }
    Future<String> beyond = persistence.whenWritten(registry.forceOpen("one-more", null, now()).lastTransition());

    assertThat(persistence.ackWaiters()).isEqualTo(AckWaiters.MAX_WAITERS);
    assertThat(beyond.result()).isEqualTo("pending");
  }

  @Test
  void stopWritesWhatIsPendingThenClosesAndWritesNothingMore() {
    // Given a degraded store with a transition waiting
    assertThat(started().succeeded()).isTrue();
    store.fail("connection refused");
    registry.forceOpen("db", null, now());
    assertThat(persistence.phase()).isEqualTo(PersistencePhase.DEGRADED);

    // When the store answers again and persistence stops
    store.heal();
    Future<Void> stopped = persistence.stop();

    // Then the waiting write went out before it stopped, and later changes are not written
    assertThat(stopped.succeeded()).isTrue();
    assertThat(persistence.phase()).isEqualTo(PersistencePhase.STOPPED);
    assertThat(store.get("db").state()).isEqualTo(BreakerState.FORCED_OPEN);
    registry.reset("db", now());
    scheduler.advanceMillis(RETRY_MS * 3);
    assertThat(store.get("db").state()).isEqualTo(BreakerState.FORCED_OPEN);
  }

  @Test
  void stoppingUnrestoredWritesNothing() {
    store.fail("connection refused");
    assertThat(started().succeeded()).isTrue();
    registry.forceOpen("db", null, now());

    assertThat(persistence.stop().succeeded()).isTrue();
    store.heal();
    scheduler.advanceMillis(RETRY_MS * 3);

    assertThat(persistence.phase()).isEqualTo(PersistencePhase.STOPPED);
    assertThat(store.writes()).isEmpty();
  }
}
