package io.tripstate.store;

import io.tripstate.breaker.Snapshot;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * A {@link SnapshotStore} in memory, for tests of the logic around the store. It applies the same
 * version rule as Redis, keeps a log of every write it saw, and can be told to fail or to answer through
 * a function (e.g. to delay answers with a timer).
 */
public final class InMemorySnapshotStore implements SnapshotStore {
  private final Map<String, Snapshot> stored = new ConcurrentHashMap<>();
  private final List<Snapshot> writes = new ArrayList<>();
  private volatile Function<Snapshot, Future<WriteResult>> interceptor;
  private volatile String failure;
  private volatile String runId = "run-1";

  /** Makes every call fail with this message until {@link #heal()}. */
  public void fail(String message) {
    this.failure = message;
  }

  public void heal() {
    this.failure = null;
  }

  /**
   * Routes writes through a function, which decides when and how each answers; it may call
   * {@link #apply(Snapshot)} to store the snapshot. {@code null} restores direct writes.
   */
  public void intercept(Function<Snapshot, Future<WriteResult>> writeInterceptor) {
    this.interceptor = writeInterceptor;
  }

  /** Simulates a restart of the store that lost everything. */
  public void restartEmpty(String newRunId) {
    stored.clear();
    runId = newRunId;
  }

  /** Stores a snapshot as a write would, obeying the version rule. */
  public synchronized WriteResult apply(Snapshot snapshot) {
    writes.add(snapshot);
    Snapshot current = stored.get(snapshot.name());
    if (current != null && current.version() > snapshot.version()) {
      return WriteResult.STALE;
    }
    stored.put(snapshot.name(), snapshot);
    return WriteResult.WRITTEN;
  }

  public Snapshot get(String name) {
    return stored.get(name);
  }

  public void put(Snapshot snapshot) {
    stored.put(snapshot.name(), snapshot);
  }

  /** Every snapshot that reached {@link #apply(Snapshot)}, in order. */
  public synchronized List<Snapshot> writes() {
    return List.copyOf(writes);
  }

  @Override
  public Future<LoadResult> loadAll() {
    if (failure != null) {
      return Future.failedFuture(failure);
    }
    return Future.succeededFuture(new LoadResult(new ArrayList<>(stored.values()), 0));
  }

  @Override
  public Future<WriteResult> write(Snapshot snapshot) {
    if (failure != null) {
      return Future.failedFuture(failure);
    }
    Function<Snapshot, Future<WriteResult>> through = interceptor;
    return through != null ? through.apply(snapshot) : Future.succeededFuture(apply(snapshot));
  }

  @Override
  public Future<String> probe() {
    return failure != null ? Future.failedFuture(failure) : Future.succeededFuture(runId);
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
