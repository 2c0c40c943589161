package io.tripstate.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tripstate.breaker.BreakerRegistry.Reconciled;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The reconciliation rule of {@link BreakerRegistry#reconcile}, shared by the late restore and refused writes:
 * by state, never by counters; a stored operator state beats local automatic transitions, a local operator
 * action beats any stored state.
 */
class ReconciliationTest {
  private static final long NOW = 1_700_000_000_000L;
  private final List<String> restored = new ArrayList<>();
  private final BreakerRegistry registry = new BreakerRegistry(
      name -> BreakerSettings.builder().failureThreshold(3).resetTimeoutMs(60_000).build(), 10, 0,
      new BreakerRegistry.Listener() {
        @Override
        public void onTransition(Breaker breaker, Transition transition) {}

        @Override
        public void onCounterChange(Breaker breaker) {}

        @Override
        public void onRestored(Breaker breaker) {
          restored.add(breaker.name() + " " + breaker.state());
        }
      });

  private static Snapshot stored(String name, BreakerState state, long version) {
    Long openedAt = state == BreakerState.OPEN ? NOW - 10_000 : null;
    return new Snapshot(name, state, state == BreakerState.OPEN ? 3 : 0, openedAt, 0, version, NOW - 10_000);
  }

  @Test
  void aBreakerThatOnlyCountedFailuresHereTakesTheStoredOpenStateAndDropsItsCounters() {
    // Given a breaker that counted two failures here (no transition)
    registry.record("db", Outcome.FAILURE, null, null, NOW);
    registry.record("db", Outcome.FAILURE, null, null, NOW);

    // When the store holds it open at version 9
    Reconciled outcome = registry.reconcile(stored("db", BreakerState.OPEN, 9));

    // Then it takes the stored state as it is, with nothing of its own left to write, and says so
    Breaker db = registry.get("db");
    assertThat(outcome).isEqualTo(Reconciled.ADOPTED);
    assertThat(db.state()).isEqualTo(BreakerState.OPEN);
    assertThat(db.retryAfterMs(NOW)).isEqualTo(50_000);
    assertThat(db.version()).isEqualTo(9);
    assertThat(db.snapshot().failureCount()).isEqualTo(3);
    assertThat(db.versions().unwritten()).isFalse();
    assertThat(restored).containsExactly("db open");
  }

  @Test
  void aBreakerThatMadeATransitionHereKeepsItsStateAndIsWrittenAboveTheStoredVersion() {
    // Given a breaker that opened here
    for (int i = 0; i < 3; i++) {
      registry.record("db", Outcome.FAILURE, null, null, NOW);
    }

    // When the store holds it closed at version 40
    Reconciled outcome = registry.reconcile(stored("db", BreakerState.CLOSED, 40));

    // Then it stays open, and its next write carries version 41
    assertThat(outcome).isEqualTo(Reconciled.KEPT);
    assertThat(registry.get("db").state()).isEqualTo(BreakerState.OPEN);
    assertThat(registry.get("db").versions().storedVersion()).isEqualTo(40);
    assertThat(registry.get("db").version()).isEqualTo(41);
    assertThat(restored).isEmpty();
  }

  @Test
  void aStoredOperatorStateWinsOverALocalAutomaticTransition() {
    // Given a breaker that opened here by itself
    for (int i = 0; i < 3; i++) {
      registry.record("db", Outcome.FAILURE, null, null, NOW);
    }

    // When the store holds it forced open (or disabled) by an operator
    Reconciled outcome = registry.reconcile(stored("db", BreakerState.FORCED_OPEN, 5));

    // Then the operator's state wins
    assertThat(outcome).isEqualTo(Reconciled.ADOPTED);
    assertThat(registry.get("db").state()).isEqualTo(BreakerState.FORCED_OPEN);
    assertThat(registry.get("db").acquire(NOW).permitted()).isFalse();
  }

  @Test
  void aLocalOperatorActionWinsOverAStoredStateOfAnyKind() {
    // Given one breaker reset here after it opened, and one disabled here
    for (int i = 0; i < 3; i++) {
      registry.record("reset-here", Outcome.FAILURE, null, null, NOW);
    }
    registry.reset("reset-here", NOW);
    registry.disable("disabled-here", NOW);

    // When the store holds the first open and the second forced open
    Reconciled reset = registry.reconcile(stored("reset-here", BreakerState.OPEN, 7));
    Reconciled disabled = registry.reconcile(stored("disabled-here", BreakerState.FORCED_OPEN, 7));

    // Then both keep what the operator did here
    assertThat(reset).isEqualTo(Reconciled.KEPT);
    assertThat(registry.get("reset-here").state()).isEqualTo(BreakerState.CLOSED);
    assertThat(disabled).isEqualTo(Reconciled.KEPT);
    assertThat(registry.get("disabled-here").state()).isEqualTo(BreakerState.DISABLED);
  }

  @Test
  void aLocalAutomaticTransitionAfterAnOperatorActionStillBeatsAStoredOperatorState() {
    // Given a breaker reset here, then opened by failures, before anything was stored
    registry.reset("db", NOW); // not known: nothing happens
    registry.forceOpen("db", null, NOW);
    registry.reset("db", NOW);
    for (int i = 0; i < 3; i++) {
      registry.record("db", Outcome.FAILURE, null, null, NOW);
    }

    // When the store holds it disabled
    Reconciled outcome = registry.reconcile(stored("db", BreakerState.DISABLED, 3));

    // Then the operator here acted after deploy: the local state stands
    assertThat(outcome).isEqualTo(Reconciled.KEPT);
    assertThat(registry.get("db").state()).isEqualTo(BreakerState.OPEN);
  }

  @Test
  void onceItsTransitionIsStoredOnlyLaterTransitionsCountAgainstAStoredState() {
    // Given a breaker that opened here and whose write was accepted at version 4
    for (int i = 0; i < 3; i++) {
      registry.record("db", Outcome.FAILURE, null, null, NOW);
    }
    Breaker db = registry.get("db");
    db.versions().stored(4, db.versions().changes());

    // When another writer stores it closed at version 6
    Reconciled outcome = registry.reconcile(stored("db", BreakerState.CLOSED, 6));

    // Then nothing of its own is unwritten, so it follows the store
    assertThat(outcome).isEqualTo(Reconciled.ADOPTED);
    assertThat(db.state()).isEqualTo(BreakerState.CLOSED);
    assertThat(db.version()).isEqualTo(6);
  }

  @Test
  void takingAStoredSnapshotEndsLocalTrialsWhosePermitsAreThenRefused() {
    // Given a half-open breaker with a trial out
    for (int i = 0; i < 3; i++) {
      registry.record("db", Outcome.FAILURE, null, null, NOW);
    }
    Decision trial = registry.acquire("db", NOW + 60_000);
    assertThat(trial.permitted()).isTrue();
    registry.get("db").versions().stored(2, registry.get("db").versions().changes());

    // When it takes a stored closed snapshot
    registry.reconcile(stored("db", BreakerState.CLOSED, 3));

    // Then the trial's late outcome is refused, and new permits never repeat the old one
    Breaker db = registry.get("db");
    assertThat(db.snapshot().halfOpenAttempts()).isZero();
    assertThat(db.state()).isEqualTo(BreakerState.CLOSED);
    for (int i = 0; i < 3; i++) {
      registry.record("db", Outcome.FAILURE, null, null, NOW + 60_000);
    }
    Decision next = registry.acquire("db", NOW + 120_000);
    assertThat(next.permit()).isNotEqualTo(trial.permit());
    assertThatThrownBy(() -> registry.record("db", Outcome.SUCCESS, trial.permit(), null, NOW + 120_000))
        .isInstanceOf(PermitRejectedException.class);
  }

  @Test
  void aNameUnknownHereIsCreatedFromTheStoredSnapshot() {
    Reconciled outcome = registry.reconcile(stored("elsewhere", BreakerState.OPEN, 3));

    assertThat(outcome).isEqualTo(Reconciled.CREATED);
    assertThat(registry.get("elsewhere").state()).isEqualTo(BreakerState.OPEN);
    assertThat(registry.get("elsewhere").version()).isEqualTo(3);
    assertThat(restored).containsExactly("elsewhere open");
  }

  @Test
  void aSharedBreakerTakesWhateverRedisMovedOnToEvenOverItsOwnOperatorAction() {
    // Given a shared breaker forced open here (an operator action) on top of nothing stored
    registry.sharedNames(name -> true);
    registry.forceOpen("shared", null, NOW);

    // When the store holds another instance's closed state at version 4
    Reconciled outcome = registry.reconcile(stored("shared", BreakerState.CLOSED, 4));

    // Then Redis wins: it moved on from the version this transition was based on
    assertThat(outcome).isEqualTo(Reconciled.ADOPTED);
    assertThat(registry.get("shared").state()).isEqualTo(BreakerState.CLOSED);
    assertThat(registry.get("shared").version()).isEqualTo(4);
  }

  @Test
  void aSharedBreakerKeepsATransitionMadeOnTheVersionRedisStillHolds() {
    // Given a shared breaker stored at version 4, then opened here
    registry.sharedNames(name -> true);
    registry.reconcile(stored("kept", BreakerState.CLOSED, 4));
    for (int i = 0; i < 3; i++) {
      registry.record("kept", Outcome.FAILURE, null, null, NOW);
    }

    // When the store still holds version 4 (a late restore after Redis came back)
    Reconciled outcome = registry.reconcile(stored("kept", BreakerState.CLOSED, 4));

    // Then the local open is kept, to be written above it
    assertThat(outcome).isEqualTo(Reconciled.KEPT);
    assertThat(registry.get("kept").state()).isEqualTo(BreakerState.OPEN);
  }

  @Test
  void adoptingAnotherInstancesSnapshotRespectsMaxBreakersForANewName() {
    // Given a registry full to its 10 breakers
    for (int i = 0; i < 10; i++) {
      registry.getOrCreate("b" + i, NOW);
    }

    // Then another instance's new name is refused, and a known one is taken
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> registry.adopt(stored("eleventh", BreakerState.OPEN, 3)))
        .isInstanceOf(BreakerRegistry.LimitExceededException.class);
    assertThat(registry.adopt(stored("b3", BreakerState.OPEN, 3)).state()).isEqualTo(BreakerState.OPEN);
  }
}
