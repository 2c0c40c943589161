package io.tripstate.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.Snapshot;
import io.tripstate.config.PersistenceConfig;
import io.tripstate.config.TripstateConfig;
import io.tripstate.engine.VertxScheduler;
import io.tripstate.store.OnOwner;
import io.tripstate.store.Persistence;
import io.tripstate.store.SnapshotStore;
import io.tripstate.support.Bus;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The Redis client's connection pool refusing writes for a moment while Redis itself is healthy: once its 6
 * connections and 24 waiters are taken (e.g. by commands that timed out here but still wait on Redis),
 * vertx-redis-client fails {@code send} at once, with a future that is already failed when it is returned.
 * The write queue must wait and retry without recursing on the event loop, and then write everything.
 * A unit-sized test with a stub store behind the real persistence: a real pool cannot be filled on demand
 * without also slowing Redis.
 */
@ExtendWith(VertxExtension.class)
class PoolRefusalFaultTest {
  private static final int BREAKERS = 40;

  @Test
  void aPoolThatRefusesSynchronouslyForAMomentIsWaitedOutWithoutRecursion(Vertx vertx) {
    // Given persistence over a store whose pool is full for its first 200 ms (refusing at once), then accepts
    RefusingStore store = new RefusingStore(vertx, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200));
    List<Throwable> unhandled = new CopyOnWriteArrayList<>();
    Context context = vertx.getOrCreateContext();
    context.exceptionHandler(unhandled::add);
    PersistenceConfig config = TripstateConfig.from(new JsonObject()).persistence();
    Promise<BreakerRegistry> started = Promise.promise();
    context.runOnContext(v -> {
      Persistence persistence = new Persistence(new VertxScheduler(vertx, Clock.systemUTC()),
          OnOwner.executor(context), store, config, "refusing pool", name -> "key:" + name);
      BreakerRegistry registry = new BreakerRegistry(name -> BreakerSettings.DEFAULTS, 1_000, 0, persistence);
      persistence.start(registry).map(registry).onComplete(started);
    });
    BreakerRegistry registry = Bus.await(started.future());

    // When 40 breakers change at once, on the owner's context
    Promise<Void> submitted = Promise.promise();
    context.runOnContext(v -> {
      try {
        for (int i = 0; i < BREAKERS; i++) {
          registry.forceOpen("b-" + i, null, System.currentTimeMillis());
        }
        submitted.complete();
      } catch (Throwable e) {
        submitted.fail(e);
      }
    });

    // Then nothing is thrown on the event loop, and every snapshot is written once the pool has room again
    Future<Void> outcome = submitted.future();
    Bus.eventually(() -> outcome.isComplete() && store.written.size() == BREAKERS || !unhandled.isEmpty()
        || outcome.failed(), "every snapshot written");
    System.out.printf("[faults] pool refusal: %d refusals, %d written, deepest nested write call %d frames, "
        + "%d unhandled exception(s)%s%n", store.refusals.get(), store.written.size(), store.deepestStack.get(),
        unhandled.size(), unhandled.isEmpty() ? "" : " (first: " + unhandled.get(0) + ")");
    assertThat(outcome.cause()).as("submitting threw").isNull();
    assertThat(unhandled).as("exceptions thrown on the event loop").isEmpty();
    assertThat(store.written).hasSize(BREAKERS);
    assertThat(store.deepestStack.get()).as("frames under a write call: a few dozen, unless writes recurse")
        .isLessThan(200);
  }

  /** Refuses the first writes as a full vertx-redis-client pool does (an already-failed future); answers later. */
  private static final class RefusingStore implements SnapshotStore {
    final AtomicInteger refusals = new AtomicInteger();
    final AtomicInteger deepestStack = new AtomicInteger();
    final Map<String, Long> written = new ConcurrentHashMap<>();
    private final Vertx vertx;
    private final long fullUntilNanos;

    RefusingStore(Vertx vertx, long fullUntilNanos) {
      this.vertx = vertx;
      this.fullUntilNanos = fullUntilNanos;
    }

    @Override
    public Future<WriteResult> write(Snapshot snapshot, long baseVersion, long ttlSeconds) {
      if (refusals.get() % 64 == 0) { // walking the stack is dear: sample it
        deepestStack.accumulateAndGet((int) (long) StackWalker.getInstance().walk(Stream::count), Math::max);
      }
      // Nothing frees a real pool while the event loop is busy, so it stays full for the whole of a call stack.
      if (System.nanoTime() < fullUntilNanos) {
        refusals.incrementAndGet();
        return Future.failedFuture(new ConnectionPoolTooBusyException(
            "Connection pool reached max wait queue size of 24"));
      }
      // Like Redis, an accepted write answers later, never on the caller's stack.
      return vertx.timer(1).map(v -> {
        written.put(snapshot.name(), baseVersion + 1);
        return WriteResult.written(baseVersion + 1);
      });
    }

    @Override
    public Future<LoadResult> loadAll() {
      return Future.succeededFuture(new LoadResult(List.of(), 0));
    }

    @Override
    public Future<String> probe() {
      return Future.succeededFuture("run");
    }

    @Override
    public Future<Void> close() {
      return Future.succeededFuture();
    }
  }
}
