package io.tripstate.store;

import static io.tripstate.store.PersistencePhase.DEGRADED;
import static io.tripstate.store.PersistencePhase.DISABLED;
import static io.tripstate.store.PersistencePhase.NEW;
import static io.tripstate.store.PersistencePhase.RESTORING;
import static io.tripstate.store.PersistencePhase.STOPPED;
import static io.tripstate.store.PersistencePhase.STOPPING;
import static io.tripstate.store.PersistencePhase.SYNCED;
import static io.tripstate.store.PersistencePhase.UNRESTORED;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The persistence lifecycle's table of legal moves, and a lifecycle that refuses any other. */
class PersistencePhaseTest {

  @Test
  void theTableAllowsExactlyTheDocumentedMoves() {
    List<String> allowed = new ArrayList<>();
    for (PersistencePhase from : PersistencePhase.values()) {
      for (PersistencePhase to : PersistencePhase.values()) {
        if (from.canMoveTo(to)) {
          allowed.add(from + "->" + to);
        }
      }
    }

    assertThat(allowed).containsExactlyInAnyOrder(
        NEW + "->" + RESTORING, NEW + "->" + DISABLED, NEW + "->" + STOPPED,
        RESTORING + "->" + SYNCED, RESTORING + "->" + UNRESTORED, RESTORING + "->" + STOPPED,
        UNRESTORED + "->" + RESTORING, UNRESTORED + "->" + STOPPED,
        SYNCED + "->" + DEGRADED, SYNCED + "->" + STOPPING,
        DEGRADED + "->" + SYNCED, DEGRADED + "->" + STOPPING,
        STOPPING + "->" + STOPPED, DISABLED + "->" + STOPPED);
  }

  @Test
  void anIllegalMoveFailsLoudlyAndLeavesThePhaseAsItWas() {
    // Given a synced lifecycle
    Lifecycle lifecycle = new Lifecycle();
    lifecycle.moveTo(RESTORING);
    lifecycle.moveTo(SYNCED);

    // When something tries to restore again, Then it is refused
    assertThatThrownBy(() -> lifecycle.moveTo(RESTORING)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("SYNCED -> RESTORING");
    assertThat(lifecycle.phase()).isEqualTo(SYNCED);
  }

  @Test
  void storeFailuresAndAnswersMoveOnlyBetweenSyncedAndDegraded() {
    Lifecycle lifecycle = new Lifecycle();
    lifecycle.moveTo(RESTORING);

    lifecycle.storeFailed(new IllegalStateException("refused"));
    assertThat(lifecycle.phase()).as("restoring: the load decides").isEqualTo(RESTORING);
    assertThat(lifecycle.lastError()).isEqualTo("IllegalStateException: refused");
    lifecycle.moveTo(SYNCED);
    lifecycle.storeFailed(new IllegalStateException("refused"));
    assertThat(lifecycle.phase()).isEqualTo(DEGRADED);
    lifecycle.storeAnswered();
    assertThat(lifecycle.phase()).isEqualTo(SYNCED);
  }
}
