package io.tripstate.store;

import io.tripstate.breaker.Snapshot;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * A {@link SnapshotStore} in memory, for tests of the logic around the store. It applies the same
 * compare-and-set rule as the Redis script (a stored version 0 stands for the older service's version-less
 * value), remembers each key's TTL, keeps a log of every write it saw, and can be told to fail or to answer
 * through a function (e.g. to hold answers until a test releases them). Answers complete on the caller's
 * thread unless the function says otherwise.
 */
public final class InMemorySnapshotStore implements SnapshotStore {
  /** One write as the store received it: the snapshot at the version it would store ({@code baseVersion + 1}). */
  public record Request(Snapshot snapshot, long baseVersion, long ttlSeconds) {}

  private final Map<String, Snapshot> stored = new HashMap<>();
  private final Map<String, Long> ttls = new HashMap<>();
  private final List<Request> writes = new ArrayList<>();
  private Function<Request, Future<WriteResult>> interceptor;
  private String failure;
  private String runId = "run-1";

  /** Makes every call fail with this message until {@link #heal()}. */
  public synchronized void fail(String message) {
    this.failure = message;
  }

  public synchronized void heal() {
    this.failure = null;
  }

  /**
   * Routes writes through a function, which decides when and how each answers; it may call
   * {@link #apply(Request)} to store the snapshot. {@code null} restores direct writes.
   */
  public synchronized void intercept(Function<Request, Future<WriteResult>> writeInterceptor) {
    this.interceptor = writeInterceptor;
  }

  /** Simulates a restart of the store that lost everything. */
  public synchronized void restartEmpty(String newRunId) {
    stored.clear();
    ttls.clear();
    runId = newRunId;
  }

  /** Stores a snapshot as a write would, obeying the compare-and-set rule. */
  public synchronized WriteResult apply(Request request) {
    writes.add(request);
    Snapshot current = stored.get(request.snapshot().name());
    if (current != null && current.version() > 0 && current.version() != request.baseVersion()) {
      return WriteResult.refused(current.version(), current);
    }
    stored.put(request.snapshot().name(), request.snapshot());
    ttls.put(request.snapshot().name(), request.ttlSeconds());
    return WriteResult.written(request.snapshot().version());
  }

  public synchronized Snapshot get(String name) {
    return stored.get(name);
  }

  /** The TTL the last accepted write of a breaker gave its key, seconds ({@link KeyTtl#NEVER} for none). */
  public synchronized Long ttlSeconds(String name) {
    return ttls.get(name);
  }

  /** Stores a snapshot as another writer would, at its own version. */
  public synchronized void put(Snapshot snapshot) {
    stored.put(snapshot.name(), snapshot);
  }

  /** Every write that reached {@link #apply(Request)}, accepted or refused, in order. */
  public synchronized List<Request> writes() {
    return List.copyOf(writes);
  }

  @Override
  public synchronized Future<LoadResult> loadAll() {
    if (failure != null) {
      return Future.failedFuture(failure);
    }
    return Future.succeededFuture(new LoadResult(new ArrayList<>(stored.values()), 0));
  }

  @Override
  public Future<WriteResult> write(Snapshot snapshot, long baseVersion, long ttlSeconds) {
    Request request = new Request(snapshot.withVersion(baseVersion + 1), baseVersion, ttlSeconds);
    Function<Request, Future<WriteResult>> through;
    synchronized (this) {
      if (failure != null) {
        return Future.failedFuture(failure);
      }
      through = interceptor;
    }
    return through != null ? through.apply(request) : Future.succeededFuture(apply(request));
  }

  @Override
  public synchronized Future<String> probe() {
    return failure != null ? Future.failedFuture(failure) : Future.succeededFuture(runId);
  }

  @Override
  public Future<Void> close() {
    return Future.succeededFuture();
  }
}
