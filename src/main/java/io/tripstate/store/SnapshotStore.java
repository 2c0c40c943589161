package io.tripstate.store;

import io.tripstate.breaker.Snapshot;
import io.vertx.core.Future;
import java.util.List;

/**
 * Where snapshots live: the narrow port between the breakers and Redis. Every method returns a Future and
 * never blocks; implementations bound every call in time.
 *
 * <p>The store owns the versions: a write names the version it is based on (the one its writer last saw),
 * lands only when the store still holds that version (or nothing, or a version-less value of the older
 * service), and stores that version plus one. Otherwise it changes nothing and answers what the store holds,
 * so that the writer can reconcile (see {@code BreakerRegistry.reconcile}). So versions grow by exactly one per
 * accepted write, and a late write (one that timed out here but still ran) can never overwrite a newer one.
 */
public interface SnapshotStore {

  /**
   * The outcome of a conditional write.
   *
   * @param written whether the snapshot is stored
   * @param version the version now stored: the written one ({@code baseVersion + 1}), or the one that made the
   *     store refuse the write
   * @param stored when refused, the snapshot the store holds; {@code null} when written, or when the stored value
   *     has a version but cannot be read as a snapshot (the writer may then write above it)
   */
  record WriteResult(boolean written, long version, Snapshot stored) {
    public static WriteResult written(long version) {
      return new WriteResult(true, version, null);
    }

    public static WriteResult refused(long version, Snapshot stored) {
      return new WriteResult(false, version, stored);
    }
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

  /**
   * Writes {@code snapshot} at version {@code baseVersion + 1}, if the store holds {@code baseVersion} of it, no
   * value, or a value without a version (whatever version the snapshot carries is replaced).
   *
   * @param ttlSeconds the key's time to live, seconds; {@link KeyTtl#NEVER} for none (an earlier TTL is removed)
   */
  Future<WriteResult> write(Snapshot snapshot, long baseVersion, long ttlSeconds);

  /**
   * Checks that the store answers; the result identifies the running server instance, so that a restart
   * of the store (which may have lost its data) can be seen.
   */
  Future<String> probe();

  /** Releases connections. */
  Future<Void> close();
}
