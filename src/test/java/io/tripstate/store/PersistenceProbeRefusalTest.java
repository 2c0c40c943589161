package io.tripstate.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Snapshot;
import io.tripstate.config.PersistenceConfig;
import io.tripstate.support.ManualScheduler;
import io.vertx.core.Future;
import io.vertx.core.http.ConnectionPoolTooBusyException;
import org.junit.jupiter.api.Test;

/**
 * The health probe refused by the Redis client's own pool (its 6 connections and 24 waiters taken by other
 * commands on the same client, e.g. sharing's announces after a burst of transitions): Redis itself answers, so
 * persistence must stay synced and keep writing. Seen in the sharing benchmark: each refused probe degraded
 * persistence to one write per {@code retryMs}, while the announces kept the pool full.
 */
class PersistenceProbeRefusalTest {
  private static final long RETRY_MS = 1_000;

  private final ManualScheduler scheduler = ManualScheduler.atEpoch2026();
  private final InMemorySnapshotStore store = new InMemorySnapshotStore();
  private final RefusedProbes probes = new RefusedProbes();
  private final Persistence persistence = new Persistence(scheduler, Runnable::run, probes,
      new PersistenceConfig(true, "p:", 600, 60, 500, 2_500, 1_000, RETRY_MS, true), "memory",
      name -> "p:" + name + ":state");
  private final BreakerRegistry registry = new BreakerRegistry(name -> BreakerSettings.DEFAULTS, 1_000, 0,
      persistence);

  /** The in-memory store, whose probes the client's pool refuses while {@link #refusing}. */
  private final class RefusedProbes implements SnapshotStore {
    boolean refusing;

    @Override
    public Future<LoadResult> loadAll() {
      return store.loadAll();
    }

    @Override
    public Future<WriteResult> write(Snapshot snapshot, long baseVersion, long ttlSeconds) {
      return store.write(snapshot, baseVersion, ttlSeconds);
    }

    @Override
    public Future<String> probe() {
      return refusing ? Future.failedFuture(new ConnectionPoolTooBusyException(
          "Connection pool reached max wait queue size of 24")) : store.probe();
    }

    @Override
    public Future<Void> close() {
      return store.close();
    }
  }

  @Test
  void aProbeRefusedByTheClientsPoolLeavesPersistenceSyncedAndWritesGoOn() {
    // Given synced persistence
    persistence.start(registry);
    scheduler.runDue();
    assertThat(persistence.phase()).isEqualTo(PersistencePhase.SYNCED);

    // When the client's pool refuses the health probes for a while
    probes.refusing = true;
    scheduler.advanceMillis(3 * RETRY_MS);

    // Then persistence stays synced (UP), and a transition is written at once, not one write per retryMs
    assertThat(persistence.phase()).isEqualTo(PersistencePhase.SYNCED);
    assertThat(persistence.health()).isEqualTo("UP");
    registry.forceOpen("db", null, scheduler.nowMs());
    registry.forceOpen("cache", null, scheduler.nowMs());
    assertThat(store.get("db").state()).isEqualTo(BreakerState.FORCED_OPEN);
    assertThat(store.get("cache").state()).isEqualTo(BreakerState.FORCED_OPEN);
  }
}
