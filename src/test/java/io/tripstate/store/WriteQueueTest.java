package io.tripstate.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Snapshot;
import io.tripstate.store.InMemorySnapshotStore.Request;
import io.tripstate.store.SnapshotStore.WriteResult;
import io.tripstate.support.ManualScheduler;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The ordered write queue, on virtual time with an in-memory store: per breaker at most one write in flight,
 * what a write sends taken when it is sent (so waiting changes coalesce), failed writes retried until they land,
 * refused writes handed back to the owner, and the phase deciding what goes out.
 */
class WriteQueueTest {
  private static final long RETRY_MS = 20;

  private final ManualScheduler scheduler = ManualScheduler.atEpoch2026();
  private final InMemorySnapshotStore store = new InMemorySnapshotStore();
  private final Lifecycle lifecycle = new Lifecycle();
  private final Breakers breakers = new Breakers();
  private final WriteQueue queue = new WriteQueue(scheduler, Runnable::run, store, RETRY_MS,
      name -> "circuit_breaker:" + name + ":state", lifecycle, breakers, 16);
  /** Writes that reached the store and wait for the test to answer them. */
  private final List<Held> held = new ArrayList<>();

  WriteQueueTest() {
    lifecycle.onMove((from, to) -> {
      if (lifecycle.writesFlow()) {
        queue.flush();
      }
    });
  }

  /** The owner's side, as Persistence keeps it: each breaker's changes, and the stored version they build on. */
  private final class Breakers implements WriteQueue.Source {
    final Map<String, Long> changes = new HashMap<>();
    final Map<String, Long> stored = new HashMap<>();
    final List<String> refusals = new ArrayList<>();

    /** A breaker changes (its failure count is its number of changes) and asks for a write. */
    void change(String name) {
      changes.merge(name, 1L, Long::sum);
      queue.submit(name);
    }

    @Override
    public WriteQueue.Write next(String name) {
      long count = changes.getOrDefault(name, 0L);
      Snapshot snapshot = new Snapshot(name, BreakerState.CLOSED, (int) count, null, 0, 0, scheduler.nowMs());
      return new WriteQueue.Write(snapshot, stored.getOrDefault(name, 0L), count, 3_600);
    }

    @Override
    public void written(WriteQueue.Write write, long version) {
      stored.put(write.snapshot().name(), version);
    }

    @Override
    public void refused(WriteQueue.Write write, WriteResult result) {
      refusals.add(write.snapshot().name() + " over version " + result.version());
    }

    @Override
    public void notWritten(WriteQueue.Write write) {}
  }

  private record Held(Request request, Promise<WriteResult> answer) {}

  private void holdStoreAnswers() {
    store.intercept(request -> {
      Promise<WriteResult> answer = Promise.promise();
      held.add(new Held(request, answer));
      return answer.future();
    });
  }

  private void landNext() {
    Held next = held.remove(0);
    next.answer().complete(store.apply(next.request()));
  }

  private void synced() {
    lifecycle.moveTo(PersistencePhase.RESTORING);
    lifecycle.moveTo(PersistencePhase.SYNCED);
  }

  private static List<String> written(List<Request> requests) {
    return requests.stream().map(r -> r.snapshot().name() + "@" + r.snapshot().version() + " count "
        + r.snapshot().failureCount()).toList();
  }

  @Test
  void keepsAtMostOneWriteInFlightPerBreakerAndCoalescesTheWaitingChanges() {
    // Given a synced queue whose store holds every answer
    holdStoreAnswers();
    synced();

    // When a breaker changes five times while its first write is in flight
    for (int i = 0; i < 5; i++) {
      breakers.change("payments");
    }

    // Then only the first change is in flight
    assertThat(written(held.stream().map(Held::request).toList())).containsExactly("payments@1 count 1");
    assertThat(queue.pendingWrites()).isEqualTo(1);

    // and once it landed, one write carries the other four, based on the version just stored
    landNext();
    assertThat(written(held.stream().map(Held::request).toList())).containsExactly("payments@2 count 5");
    landNext();
    assertThat(queue.pendingWrites()).isZero();
    assertThat(store.get("payments").failureCount()).isEqualTo(5);
    assertThat(store.writes()).extracting(r -> r.snapshot().version()).as("one version per accepted write")
        .containsExactly(1L, 2L);
  }

  @Test
  void writesOfDifferentBreakersAreInFlightAtTheSameTime() {
    holdStoreAnswers();
    synced();

    breakers.change("a");
    breakers.change("b");
    breakers.change("c");

    assertThat(held).extracting(h -> h.request().snapshot().name()).containsExactly("a", "b", "c");
    assertThat(queue.pendingWrites()).isEqualTo(3);
    landNext();
    landNext();
    landNext();
    assertThat(queue.pendingWrites()).isZero();
  }

  @Test
  void holdsEveryWriteWhileTheStoresVersionsAreUnknownAndSendsTheNewestOnceRestored() {
    // Given a queue whose persistence is still restoring
    lifecycle.moveTo(PersistencePhase.RESTORING);

    // When breakers change
    breakers.change("a");
    breakers.change("a");
    breakers.change("b");

    // Then nothing reaches the store, yet both breakers are pending
    assertThat(store.writes()).isEmpty();
    assertThat(queue.pendingWrites()).isEqualTo(2);

    // and once restored, the newest state of each is written
    lifecycle.moveTo(PersistencePhase.SYNCED);
    assertThat(written(store.writes())).containsExactly("a@1 count 2", "b@1 count 1");
    assertThat(queue.pendingWrites()).isZero();
  }

  @Test
  void aChangeAfterTheHealthProbeDegradedTheStoreIsTriedOncePerRetryInterval() {
    // Given a store the health probe found down (no write of ours failed yet)
    synced();
    store.fail("connection refused");
    lifecycle.storeFailed(new IllegalStateException("probe: connection refused"));

    // When a breaker changes
    breakers.change("payments");

    // Then its write probes the store within a retry interval (it is not held until the next phase change)
    scheduler.advanceMillis(RETRY_MS);
    assertThat(queue.failedWrites()).isEqualTo(1);
    assertThat(queue.pendingWrites()).isEqualTo(1);
  }

  @Test
  void aFailedWriteDegradesTheStoreAndIsRetriedOncePerRetryIntervalUntilItLands() {
    // Given a synced queue and a store that fails every call
    synced();
    store.fail("connection refused");

    // When two breakers change
    breakers.change("payments");
    breakers.change("search");

    // Then the first write fails and degrades the store; the second waits, and from then on one write per
    // retry interval probes the store
    assertThat(queue.failedWrites()).isEqualTo(1);
    assertThat(lifecycle.phase()).isEqualTo(PersistencePhase.DEGRADED);
    assertThat(lifecycle.lastError()).contains("connection refused");
    scheduler.advanceMillis(RETRY_MS);
    assertThat(queue.failedWrites()).isEqualTo(2);
    scheduler.advanceMillis(RETRY_MS * 5);
    assertThat(queue.failedWrites()).isEqualTo(7);
    assertThat(queue.pendingWrites()).isEqualTo(2);

    // and once the store heals, the next probe lands and everything waiting follows
    store.heal();
    scheduler.advanceMillis(RETRY_MS);
    assertThat(lifecycle.phase()).isEqualTo(PersistencePhase.SYNCED);
    assertThat(queue.pendingWrites()).isZero();
    assertThat(store.get("payments")).isNotNull();
    assertThat(store.get("search")).isNotNull();
  }

  @Test
  void whenADegradedStoreAnswersAgainTheWaitingWritesAreBasedOnWhatItAnswered() {
    // Given a degraded store whose probe write is in flight, and a newer change of the same breaker waiting
    synced();
    store.fail("connection refused");
    breakers.change("payments");
    store.heal();
    holdStoreAnswers();
    scheduler.advanceMillis(RETRY_MS);
    breakers.change("payments");

    // When the probe write lands (version 1), which syncs the store again
    landNext();

    // Then the waiting write goes out based on version 1, and lands as version 2
    assertThat(lifecycle.phase()).isEqualTo(PersistencePhase.SYNCED);
    assertThat(held).extracting(h -> h.request().baseVersion()).containsExactly(1L);
    landNext();
    assertThat(store.get("payments").version()).isEqualTo(2);
    assertThat(breakers.refusals).isEmpty();
  }

  @Test
  void aRetryWritesTheNewestStateNotTheOneThatFailed() {
    // Given a write of a breaker's first change that failed
    synced();
    store.fail("connection refused");
    breakers.change("payments");

    // When it changes again while the store still fails, and the store heals
    breakers.change("payments");
    assertThat(queue.pendingWrites()).as("still one breaker").isEqualTo(1);
    store.heal();
    scheduler.advanceMillis(RETRY_MS);

    // Then the newest state lands, as the first version
    assertThat(written(store.writes())).containsExactly("payments@1 count 2");
    assertThat(queue.pendingWrites()).isZero();
  }

  @Test
  void aWriteRefusedBecauseAnotherWriterMovedTheKeyOnGoesBackToTheOwnerAndIsNotConfirmed() {
    // Given a store holding version 7 of a breaker from another writer
    store.put(new Snapshot("payments", BreakerState.OPEN, 5, scheduler.nowMs(), 0, 7, scheduler.nowMs()));
    synced();

    // When the queue writes this instance's change, based on version 0
    breakers.change("payments");

    // Then the store keeps version 7, the owner hears of the refusal, and nothing counts as written or failed
    assertThat(store.get("payments").version()).isEqualTo(7);
    assertThat(breakers.refusals).containsExactly("payments over version 7");
    assertThat(breakers.stored).doesNotContainKey("payments");
    assertThat(queue.refusedWrites()).isEqualTo(1);
    assertThat(queue.failedWrites()).isZero();
    assertThat(queue.pendingWrites()).isZero();
  }

  @Test
  void itsOwnWriteThatTimedOutButLandedIsConfirmedWhenTheRetryIsRefused() {
    // Given a store that runs the first write but answers it with a timeout
    synced();
    store.intercept(request -> {
      store.apply(request);
      store.intercept(null);
      return Future.failedFuture("timeout");
    });
    breakers.change("payments");
    assertThat(queue.failedWrites()).isEqualTo(1);

    // When the breaker changes again and the retry (still based on version 0) is refused
    breakers.change("payments");
    scheduler.advanceMillis(RETRY_MS);

    // Then the refusal is recognised as the first write, and the newer change is written above it
    assertThat(breakers.refusals).isEmpty();
    assertThat(queue.refusedWrites()).isZero();
    assertThat(written(store.writes())).containsExactly("payments@1 count 1", "payments@1 count 2",
        "payments@2 count 2");
    assertThat(store.get("payments").version()).isEqualTo(2);
    assertThat(breakers.stored.get("payments")).isEqualTo(2);
  }

  @Test
  void anEarlierOfSeveralTimedOutWritesThatLandedIsRecognisedToo() {
    // Given two writes that time out here; Redis runs only the first of them, late
    synced();
    List<Request> timedOut = new ArrayList<>();
    store.intercept(request -> {
      timedOut.add(request);
      return Future.failedFuture("timeout");
    });
    breakers.change("payments");
    breakers.change("payments");
    scheduler.advanceMillis(RETRY_MS);
    assertThat(queue.failedWrites()).isEqualTo(2);
    store.intercept(null);
    store.apply(timedOut.get(0));

    // When the next retry is refused with what the first one stored
    scheduler.advanceMillis(RETRY_MS);

    // Then it is confirmed as that first write, and the newer state lands above it
    assertThat(queue.refusedWrites()).isZero();
    assertThat(breakers.refusals).isEmpty();
    assertThat(store.get("payments").version()).isEqualTo(2);
    assertThat(store.get("payments").failureCount()).isEqualTo(2);
  }

  @Test
  void drainCompletesOnceEveryWriteLandedOrAtItsTimeout() {
    // Given writes of two breakers in flight, and a newer change of the first waiting behind it
    holdStoreAnswers();
    synced();
    breakers.change("a");
    breakers.change("b");
    breakers.change("a");

    // When the queue is drained
    Future<Void> drained = queue.drain(1_000);

    // Then it is not done while writes are outstanding, and done as soon as the last one landed
    landNext();
    landNext();
    assertThat(drained.isComplete()).as("a's second write in flight").isFalse();
    landNext();
    assertThat(drained.succeeded()).isTrue();

    // and a drain whose writes never answer gives up at its timeout
    breakers.change("c");
    Future<Void> stuck = queue.drain(1_000);
    scheduler.advanceMillis(999);
    assertThat(stuck.isComplete()).isFalse();
    scheduler.advanceMillis(1);
    assertThat(stuck.succeeded()).isTrue();
  }

  @Test
  void drainOfAnEmptyQueueCompletesAtOnce() {
    assertThat(queue.drain(60_000).succeeded()).isTrue();
  }

  @Test
  void aCancelledBreakerIsNotWritten() {
    // Given a breaker whose change waits while the store's versions are unknown
    lifecycle.moveTo(PersistencePhase.RESTORING);
    breakers.change("adopted");

    // When it takes the stored snapshot (nothing of its own left), and writes flow
    queue.cancel("adopted");
    lifecycle.moveTo(PersistencePhase.SYNCED);

    // Then nothing is written
    assertThat(store.writes()).isEmpty();
    assertThat(queue.pendingWrites()).isZero();
  }

  @Test
  void aPoolRefusalOnTheSendingStackIsRetriedFromATimerNotInALoop() {
    // Given a store whose client pool refuses on the very stack that sends (as a full Redis pool does)
    synced();
    int[] refusals = {0};
    store.intercept(request -> {
      if (refusals[0] < 1_000) {
        refusals[0]++;
        return Future.failedFuture(new ConnectionPoolTooBusyException("Connection pool reached max wait queue size"));
      }
      return Future.succeededFuture(store.apply(request));
    });

    // When a breaker changes
    breakers.change("b");

    // Then it was tried once, not in a loop on that stack, and is written from the retry timer
    assertThat(refusals[0]).as("refusals on one stack").isEqualTo(1);
    refusals[0] = 1_000;
    scheduler.advanceMillis(RETRY_MS * 10);
    assertThat(breakers.stored).containsKey("b");
  }
}
