package io.tripstate.store;

import java.util.function.BiConsumer;

/**
 * The one place that holds the persistence phase: {@link Persistence} and {@link WriteQueue} read it and
 * report what the store did; it moves by the table of {@link PersistencePhase#canMoveTo} and tells its owner
 * of every move. Confined to the owner's thread.
 */
final class Lifecycle {
  private PersistencePhase phase = PersistencePhase.NEW;
  private String lastError;
  private BiConsumer<PersistencePhase, PersistencePhase> onMove = (from, to) -> { };

  /** Called with (from, to) after every move. */
  void onMove(BiConsumer<PersistencePhase, PersistencePhase> listener) {
    this.onMove = listener;
  }

  PersistencePhase phase() {
    return phase;
  }

  boolean is(PersistencePhase candidate) {
    return phase == candidate;
  }

  /** @throws IllegalStateException when the table does not allow the move */
  void moveTo(PersistencePhase to) {
    PersistencePhase from = phase;
    if (!from.canMoveTo(to)) {
      throw new IllegalStateException("persistence: illegal move " + from + " -> " + to);
    }
    phase = to;
    onMove.accept(from, to);
  }

  /** Whether the write queue sends every waiting write. */
  boolean writesFlow() {
    return phase == PersistencePhase.SYNCED || phase == PersistencePhase.STOPPING;
  }

  /** The store failed (a write, a probe, a load): remembered for status; a synced store is now degraded. */
  void storeFailed(Throwable error) {
    lastError = describe(error);
    if (phase == PersistencePhase.SYNCED) {
      moveTo(PersistencePhase.DEGRADED);
    }
  }

  /** The store answered (a write or a probe): a degraded store is synced again. */
  void storeAnswered() {
    if (phase == PersistencePhase.DEGRADED) {
      moveTo(PersistencePhase.SYNCED);
    }
  }

  /** The last failure of the store, as status shows it; {@code null} when it never failed. */
  String lastError() {
    return lastError;
  }

  static String describe(Throwable error) {
    String message = error.getMessage();
    // Redis's own error replies ("WRONGPASS ...") read best without the client's class name.
    if (message != null && "ErrorType".equals(error.getClass().getSimpleName())) {
      return message;
    }
    return error.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
