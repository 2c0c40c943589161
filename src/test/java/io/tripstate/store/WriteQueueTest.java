package io.tripstate.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Snapshot;
import io.tripstate.store.SnapshotStore.WriteResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The ordered write queue (issue 2, section 4): per breaker at most one write in flight, later snapshots
 * coalesced into the next write, failed writes retried until they land or are superseded. The queue is
 * created and driven on one Vert.x context, as the verticle does; the store answers when the test says so.
 */
@ExtendWith(VertxExtension.class)
class WriteQueueTest {
  private static final long T0 = 1_700_000_000_000L;
  /** Only to catch hangs: nothing here should take more than milliseconds. */
  private static final long HANG_MS = 3_000;
  private static final long RETRY_MS = 20;

  private final InMemorySnapshotStore store = new InMemorySnapshotStore();
  /** Writes that reached the store and wait for the test to answer them; touched on the queue's context only. */
  private final List<PendingWrite> pending = new ArrayList<>();

  private record PendingWrite(Snapshot snapshot, Promise<WriteResult> answer) {
    void land(InMemorySnapshotStore store) {
      answer.complete(store.apply(snapshot));
    }
  }

  private static Snapshot snapshot(String name, long version) {
    return new Snapshot(name, BreakerState.CLOSED, (int) version, null, 0, version, T0 + version);
  }

  private WriteQueue queue(Vertx vertx, Context ctx) {
    return new WriteQueue(vertx, ctx, store, RETRY_MS, name -> "circuit_breaker:" + name + ":state");
  }

  /** Makes every write wait in {@link #pending} until the test lands it. */
  private void holdStoreAnswers() {
    store.intercept(snapshot -> {
      Promise<WriteResult> answer = Promise.promise();
      pending.add(new PendingWrite(snapshot, answer));
      return answer.future();
    });
  }

  /** Runs {@code then} on the current context once {@code condition} holds; fails the test after {@link #HANG_MS}. */
  private static void eventually(Vertx vertx, VertxTestContext testContext, String what, BooleanSupplier condition,
      Runnable then) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(HANG_MS);
    poll(vertx, testContext, what, condition, then, deadline);
  }

  private static void poll(Vertx vertx, VertxTestContext testContext, String what, BooleanSupplier condition,
      Runnable then, long deadline) {
    if (condition.getAsBoolean()) {
      testContext.verify(then::run);
    } else if (System.nanoTime() > deadline) {
      testContext.failNow(new AssertionError("not within " + HANG_MS + " ms: " + what));
    } else {
      vertx.setTimer(5, id -> poll(vertx, testContext, what, condition, then, deadline));
    }
  }

  private static void await(VertxTestContext testContext) throws InterruptedException {
    assertThat(testContext.awaitCompletion(5, TimeUnit.SECONDS)).as("test finished within 5 s").isTrue();
    if (testContext.failed()) {
      throw new AssertionError(testContext.causeOfFailure());
    }
  }

  @Test
  void keepsAtMostOneWriteInFlightPerBreakerAndCoalescesTheWaitingOnes(Vertx vertx, VertxTestContext testContext)
      throws Exception {
    Context ctx = vertx.getOrCreateContext();
    ctx.runOnContext(v -> {
      // Given a released queue whose store holds every answer
      holdStoreAnswers();
      WriteQueue queue = queue(vertx, ctx);
      queue.release();

      // When versions 1..5 of one breaker are submitted while the first write is pending
      for (long version = 1; version <= 5; version++) {
        queue.submit(snapshot("payments", version));
      }

      // Then only version 1 is in flight
      testContext.verify(() -> {
        assertThat(pending).extracting(p -> p.snapshot().version()).containsExactly(1L);
        assertThat(queue.pendingWrites()).isEqualTo(1);
      });
      pending.remove(0).land(store);

      // and once it answered, the next write is version 5 (2, 3 and 4 were merged into it)
      eventually(vertx, testContext, "second write sent", () -> !pending.isEmpty(), () -> {
        assertThat(pending).extracting(p -> p.snapshot().version()).containsExactly(5L);
        pending.remove(0).land(store);
        eventually(vertx, testContext, "queue empty", () -> queue.pendingWrites() == 0, () -> {
          assertThat(store.writes()).extracting(Snapshot::version).containsExactly(1L, 5L);
          assertThat(store.get("payments").version()).isEqualTo(5L);
          testContext.completeNow();
        });
      });
    });
    await(testContext);
  }

  @Test
  void writesOfDifferentBreakersAreInFlightAtTheSameTime(Vertx vertx, VertxTestContext testContext) throws Exception {
    Context ctx = vertx.getOrCreateContext();
    ctx.runOnContext(v -> {
      // Given a released queue whose store holds every answer
      holdStoreAnswers();
      WriteQueue queue = queue(vertx, ctx);
      queue.release();

      // When three breakers change
      queue.submit(snapshot("a", 1));
      queue.submit(snapshot("b", 1));
      queue.submit(snapshot("c", 1));

      // Then all three writes are out before any answered
      eventually(vertx, testContext, "three writes in flight", () -> pending.size() == 3, () -> {
        assertThat(pending).extracting(p -> p.snapshot().name()).containsExactlyInAnyOrder("a", "b", "c");
        assertThat(queue.pendingWrites()).isEqualTo(3);
        pending.forEach(p -> p.land(store));
        pending.clear();
        eventually(vertx, testContext, "all landed", () -> queue.pendingWrites() == 0, () -> {
          assertThat(store.get("a")).isNotNull();
          assertThat(store.get("b")).isNotNull();
          assertThat(store.get("c")).isNotNull();
          testContext.completeNow();
        });
      });
    });
    await(testContext);
  }

  @Test
  void holdsEveryWriteUntilReleased(Vertx vertx, VertxTestContext testContext) throws Exception {
    Context ctx = vertx.getOrCreateContext();
    ctx.runOnContext(v -> {
      // Given a queue that was not released yet (the restore is still running)
      WriteQueue queue = queue(vertx, ctx);

      // When breakers change
      queue.submit(snapshot("a", 1));
      queue.submit(snapshot("a", 2));
      queue.submit(snapshot("b", 1));

      // Then nothing reaches the store (this store answers synchronously, so a write would show at once),
      // yet both breakers are pending
      testContext.verify(() -> {
        assertThat(store.writes()).isEmpty();
        assertThat(queue.pendingWrites()).isEqualTo(2);
      });

      // and once released, the newest snapshot of each is written
      queue.release();
      eventually(vertx, testContext, "writes after release", () -> queue.pendingWrites() == 0, () -> {
        assertThat(store.writes()).extracting(s -> s.name() + "@" + s.version())
            .containsExactlyInAnyOrder("a@2", "b@1");
        testContext.completeNow();
      });
    });
    await(testContext);
  }

  @Test
  void retriesAFailedWriteUntilItLandsAndReportsTheFailure(Vertx vertx, VertxTestContext testContext)
      throws Exception {
    Context ctx = vertx.getOrCreateContext();
    ctx.runOnContext(v -> {
      // Given a released queue and a store that fails every call
      WriteQueue queue = queue(vertx, ctx);
      queue.release();
      store.fail("connection refused");

      // When a breaker changes
      queue.submit(snapshot("payments", 1));

      // Then the write fails, is retried, and is reported while it fails
      eventually(vertx, testContext, "two failed attempts", () -> queue.failedWrites() >= 2, () -> {
        assertThat(queue.pendingWrites()).as("the failing breaker is pending").isEqualTo(1);
        assertThat(queue.lastError()).contains("connection refused");
        assertThat(store.get("payments")).isNull();

        // and once the store heals, the snapshot lands without being submitted again
        store.heal();
        eventually(vertx, testContext, "snapshot landed", () -> store.get("payments") != null, () -> {
          assertThat(store.get("payments").version()).isEqualTo(1L);
          eventually(vertx, testContext, "nothing pending", () -> queue.pendingWrites() == 0, () -> {
            assertThat(queue.failedWrites()).isGreaterThanOrEqualTo(2);
            assertThat(queue.healthy()).isTrue();
            testContext.completeNow();
          });
        });
      });
    });
    await(testContext);
  }

  @Test
  void everyBreakerThatWaitedDuringAnOutageLandsOnceTheStoreHeals(Vertx vertx, VertxTestContext testContext)
      throws Exception {
    Context ctx = vertx.getOrCreateContext();
    ctx.runOnContext(v -> {
      // Given a store that fails, and three breakers that changed during the outage
      WriteQueue queue = queue(vertx, ctx);
      queue.release();
      store.fail("connection refused");
      queue.submit(snapshot("a", 1));
      queue.submit(snapshot("b", 1));
      queue.submit(snapshot("c", 1));

      eventually(vertx, testContext, "a failed write", () -> queue.failedWrites() >= 1, () -> {
        assertThat(queue.pendingWrites()).isEqualTo(3);

        // When the store heals
        store.heal();

        // Then every one of them lands, none is stranded
        eventually(vertx, testContext, "all landed", () -> queue.pendingWrites() == 0, () -> {
          assertThat(store.get("a")).isNotNull();
          assertThat(store.get("b")).isNotNull();
          assertThat(store.get("c")).isNotNull();
          testContext.completeNow();
        });
      });
    });
    await(testContext);
  }

  @Test
  void answersArrivingOnAnotherThreadAreHandledOnTheQueueContext(Vertx vertx, VertxTestContext testContext)
      throws Exception {
    Context ctx = vertx.getOrCreateContext();
    List<Context> writeContexts = new CopyOnWriteArrayList<>();
    ctx.runOnContext(v -> {
      // Given a store whose answers come from a thread of its own, as a Redis client's do
      store.intercept(snapshot -> {
        writeContexts.add(Vertx.currentContext());
        Promise<WriteResult> answer = Promise.promise();
        Thread answering = new Thread(() -> answer.complete(store.apply(snapshot)), "store-answers");
        answering.start();
        return answer.future();
      });
      WriteQueue queue = queue(vertx, ctx);
      queue.release();

      // When versions 1..5 of one breaker are submitted at once
      for (long version = 1; version <= 5; version++) {
        queue.submit(snapshot("payments", version));
      }

      // Then the store ends with version 5, and every write was sent from the queue's own context
      eventually(vertx, testContext, "version 5 landed",
          () -> store.get("payments") != null && store.get("payments").version() == 5, () -> {
            assertThat(queue.pendingWrites()).isZero();
            assertThat(store.writes()).extracting(Snapshot::version).startsWith(1L).endsWith(5L).isSorted();
            assertThat(writeContexts).isNotEmpty().allSatisfy(c -> assertThat(c).isSameAs(ctx));
            testContext.completeNow();
          });
    });
    await(testContext);
  }

  @Test
  void aFailingWriteIsSupersededByANewerSnapshot(Vertx vertx, VertxTestContext testContext) throws Exception {
    Context ctx = vertx.getOrCreateContext();
    ctx.runOnContext(v -> {
      // Given a write of version 1 that fails
      WriteQueue queue = queue(vertx, ctx);
      queue.release();
      store.fail("connection refused");
      queue.submit(snapshot("payments", 1));

      eventually(vertx, testContext, "first failure", () -> queue.failedWrites() >= 1, () -> {
        // When version 2 is submitted while the store still fails, and the store heals
        queue.submit(snapshot("payments", 2));
        assertThat(queue.pendingWrites()).as("still one breaker").isEqualTo(1);
        store.heal();

        // Then version 2 lands, and version 1 is never written after it
        eventually(vertx, testContext, "nothing pending", () -> queue.pendingWrites() == 0, () -> {
          assertThat(store.get("payments").version()).isEqualTo(2L);
          assertThat(store.writes()).extracting(Snapshot::version).last().isEqualTo(2L);
          assertThat(store.writes()).extracting(Snapshot::version).doesNotContain(1L);
          testContext.completeNow();
        });
      });
    });
    await(testContext);
  }

  @Test
  void aStaleWriteIsCountedAndTheStoreKeepsItsNewerVersion(Vertx vertx, VertxTestContext testContext)
      throws Exception {
    Context ctx = vertx.getOrCreateContext();
    ctx.runOnContext(v -> {
      // Given a store that already holds version 7 of a breaker (e.g. written by another instance)
      store.put(snapshot("payments", 7));
      WriteQueue queue = queue(vertx, ctx);
      queue.release();

      // When the queue writes version 3 of it
      queue.submit(snapshot("payments", 3));

      // Then the write is reported stale, not failed, and the store keeps version 7
      eventually(vertx, testContext, "stale answer", () -> queue.staleWrites() == 1, () -> {
        assertThat(store.get("payments").version()).isEqualTo(7L);
        assertThat(queue.failedWrites()).isZero();
        assertThat(queue.writtenWrites()).as("a refused write is not a written one").isZero();
        assertThat(queue.pendingWrites()).isZero();
        testContext.completeNow();
      });
    });
    await(testContext);
  }

  @Test
  void countsEveryWriteTheStoreAccepted(Vertx vertx, VertxTestContext testContext) throws Exception {
    Context ctx = vertx.getOrCreateContext();
    ctx.runOnContext(v -> {
      // Given a released queue
      WriteQueue queue = queue(vertx, ctx);
      queue.release();

      // When two breakers' snapshots are written
      queue.submit(snapshot("payments", 1));
      queue.submit(snapshot("search", 1));

      // Then both count as written
      eventually(vertx, testContext, "two writes", () -> queue.writtenWrites() == 2, () -> {
        assertThat(queue.staleWrites()).isZero();
        testContext.completeNow();
      });
    });
    await(testContext);
  }

  @Test
  void drainCompletesOnceEveryWriteLanded(Vertx vertx, VertxTestContext testContext) throws Exception {
    Context ctx = vertx.getOrCreateContext();
    ctx.runOnContext(v -> {
      // Given writes of two breakers in flight, and a newer one of the first waiting behind it
      holdStoreAnswers();
      WriteQueue queue = queue(vertx, ctx);
      queue.release();
      queue.submit(snapshot("a", 1));
      queue.submit(snapshot("b", 1));
      queue.submit(snapshot("a", 2));

      // When the queue is drained, with a timeout far beyond this test's own
      Future<Void> drained = queue.drain(60_000);

      // Then it is not done while writes are outstanding
      testContext.verify(() -> assertThat(drained.isComplete()).isFalse());
      List<PendingWrite> first = new ArrayList<>(pending);
      pending.clear();
      first.forEach(p -> p.land(store));
      eventually(vertx, testContext, "a@2 sent", () -> !pending.isEmpty(), () -> {
        assertThat(drained.isComplete()).as("a@2 still in flight").isFalse();
        pending.remove(0).land(store);

        // and done as soon as the last one landed
        drained.onComplete(testContext.succeeding(done -> testContext.verify(() -> {
          assertThat(queue.pendingWrites()).isZero();
          assertThat(store.get("a").version()).isEqualTo(2L);
          assertThat(store.get("b").version()).isEqualTo(1L);
          testContext.completeNow();
        })));
      });
    });
    await(testContext);
  }

  @Test
  void drainOfAnEmptyQueueCompletesAtOnce(Vertx vertx, VertxTestContext testContext) throws Exception {
    Context ctx = vertx.getOrCreateContext();
    ctx.runOnContext(v -> {
      // Given a queue with nothing to write
      WriteQueue queue = queue(vertx, ctx);

      // When drained, Then it is done at once
      testContext.verify(() -> assertThat(queue.drain(60_000).succeeded()).isTrue());
      testContext.completeNow();
    });
    await(testContext);
  }
}
