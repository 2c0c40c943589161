package io.tripstate.store;

import java.util.Locale;

/**
 * The lifecycle of persistence, one phase at a time, with its legal moves listed once in {@link #canMoveTo}
 * (like the breaker's states): an illegal move is a bug and fails loudly. The phase alone decides whether
 * snapshots are written, held or probed for.
 *
 * <pre>
 *   NEW -> RESTORING -> SYNCED <-> DEGRADED
 *             |  ^         \         /
 *             v  |          STOPPING -> STOPPED
 *          UNRESTORED
 *   NEW -> DISABLED;  NEW, RESTORING, UNRESTORED, DISABLED -> STOPPED
 * </pre>
 */
public enum PersistencePhase {
  /** Created, not started. */
  NEW,
  /** No store: state lives in memory only. */
  DISABLED,
  /** Loading every snapshot (at deploy, or late once Redis answers); writes are held until it ends. */
  RESTORING,
  /** No load has succeeded yet (Redis was away at deploy): breakers serve from memory, writes are held, Redis
   * is probed every {@code retryMs} and the restore runs late when it answers. */
  UNRESTORED,
  /** Restored, and Redis answers: writes flow. */
  SYNCED,
  /** Restored, but Redis failed: writes wait; one write per {@code retryMs} (and the health probe) tries it. */
  DEGRADED,
  /** Stopping: every waiting write is sent, bounded in time. */
  STOPPING,
  /** Stopped: nothing is written any more. */
  STOPPED;

  /** Whether the lifecycle may move from this phase to {@code to}. */
  public boolean canMoveTo(PersistencePhase to) {
    return switch (this) {
      case NEW -> to == RESTORING || to == DISABLED || to == STOPPED;
      case RESTORING -> to == SYNCED || to == UNRESTORED || to == STOPPED;
      case UNRESTORED -> to == RESTORING || to == STOPPED;
      case SYNCED -> to == DEGRADED || to == STOPPING;
      case DEGRADED -> to == SYNCED || to == STOPPING;
      case STOPPING, DISABLED -> to == STOPPED;
      case STOPPED -> false;
    };
  }

  /** Whether snapshots were restored (the store's versions are known), so writes may go out. */
  public boolean restored() {
    return this == SYNCED || this == DEGRADED || this == STOPPING;
  }

  /** The name in status replies: {@code synced}, {@code degraded}, ... */
  public String wireName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
