package io.tripstate.store;

import io.tripstate.breaker.Snapshot;
import io.vertx.core.Future;
import java.util.List;

/**
 * Where snapshots live: the narrow port between the breakers and Redis. Every method returns a Future and
 * never blocks; implementations bound every call in time.
 */
public interface SnapshotStore {

  /** The outcome of a conditional write. */
  enum WriteResult {
    /** The snapshot is stored. */
    WRITTEN,
    /** The store holds a newer version; nothing was written. */
    STALE
  }

  /**
   * What a full load found.
   *
   * @param snapshots the readable snapshots
   * @param skipped how many entries could not be read (each was logged with its key)
   */
  record LoadResult(List<Snapshot> snapshots, int skipped) {}

  /** Reads every snapshot. */
  Future<LoadResult> loadAll();

  /** Writes a snapshot unless the store holds a newer version of it. */
  Future<WriteResult> write(Snapshot snapshot);

  /**
   * Checks that the store answers; the result identifies the running server instance, so that a restart
   * of the store (which may have lost its data) can be seen.
   */
  Future<String> probe();

  /** Releases connections. */
  Future<Void> close();
}
