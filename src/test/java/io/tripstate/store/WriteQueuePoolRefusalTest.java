package io.tripstate.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Snapshot;
import io.tripstate.store.SnapshotStore.WriteResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Redis client's pool refuses a command on the caller's own stack when its waiters are full. Seen under a
 * flood of transitions: the write queue's pump re-sent the refused snapshot in the same loop, forever, and the
 * verticle's event loop never came back.
 */
@ExtendWith(VertxExtension.class)
class WriteQueuePoolRefusalTest {
  /** Stops a spinning pump after this many refusals, so that the bug fails the test instead of hanging it. */
  private static final int SPIN_LIMIT = 1_000;

  private final InMemorySnapshotStore store = new InMemorySnapshotStore();
  private final List<Promise<WriteResult>> pending = new ArrayList<>();
  private final List<Snapshot> held = new ArrayList<>();
  private boolean refusing;
  private int refusals;

  private static Snapshot snapshot(String name, long version) {
    return new Snapshot(name, BreakerState.CLOSED, 0, null, 0, version, 1_700_000_000_000L + version);
  }

  @Test
  void aRefusalOnTheSendingStackWaitsForTheRetryTimerInsteadOfSpinning(Vertx vertx, VertxTestContext testContext)
      throws Exception {
    Context ctx = vertx.getOrCreateContext();
    ctx.runOnContext(v -> {
      // Given a queue with room for one write: breaker a's write in flight, b's waiting for room
      store.intercept(snapshot -> {
        if (refusing) {
          refusals++;
          refusing = refusals < SPIN_LIMIT;
          return Future.failedFuture(new ConnectionPoolTooBusyException("Connection pool reached max wait queue size"));
        }
        Promise<WriteResult> answer = Promise.promise();
        pending.add(answer);
        held.add(snapshot);
        return answer.future();
      });
      WriteQueue queue = new WriteQueue(vertx, ctx, store, 20, name -> name, 1);
      queue.release();
      queue.submit(snapshot("a", 1));
      queue.submit(snapshot("b", 1));

      // When the pool starts refusing and a's write lands, so that the queue sends b on this very stack
      refusing = true;
      pending.remove(0).complete(store.apply(held.remove(0)));

      // Then b was tried once, not in a loop, and is written once the pool has room again
      testContext.verify(() -> assertThat(refusals).as("refusals on one stack").isEqualTo(1));
      refusing = false;
      vertx.setPeriodic(5, id -> {
        if (!pending.isEmpty()) {
          vertx.cancelTimer(id);
          testContext.verify(() -> assertThat(held).extracting(Snapshot::name).containsExactly("b"));
          testContext.completeNow();
        }
      });
    });
    assertThat(testContext.awaitCompletion(5, TimeUnit.SECONDS)).as("finished within 5 s").isTrue();
    if (testContext.failed()) {
      throw new AssertionError(testContext.causeOfFailure());
    }
  }
}
