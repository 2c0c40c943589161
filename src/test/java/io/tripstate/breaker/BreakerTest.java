package io.tripstate.breaker;

import static io.tripstate.breaker.BreakerState.CLOSED;
import static io.tripstate.breaker.BreakerState.HALF_OPEN;
import static io.tripstate.breaker.BreakerState.OPEN;
import static io.tripstate.breaker.Outcome.FAILURE;
import static io.tripstate.breaker.Outcome.SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The state machine, driven by a clock that the test moves: no sleeps. */
class BreakerTest {
  private static final long T0 = 1_700_000_000_000L;
  private final BreakerSettings settings = BreakerSettings.builder().failureThreshold(3).resetTimeoutMs(10_000).build();
  private long now = T0;

  private Breaker breaker(BreakerSettings s) {
    return new Breaker("payments", s, 1_000);
  }

  private Breaker openBreaker() {
    Breaker breaker = breaker(settings);
    for (int i = 0; i < 3; i++) {
      breaker.record(FAILURE, null, null, now);
    }
    assertThat(breaker.state()).isEqualTo(OPEN);
    return breaker;
  }

  @Test
  void opensAfterThreeConsecutiveFailuresAndKeepsItsFailureCount() {
    Breaker breaker = breaker(settings);

    assertThat(breaker.record(FAILURE, null, null, now)).isNull();
    assertThat(breaker.record(FAILURE, null, null, now)).isNull();
    Transition transition = breaker.record(FAILURE, null, null, now);

    assertThat(transition.from()).isEqualTo(CLOSED);
    assertThat(transition.to()).isEqualTo(OPEN);
    assertThat(transition.reason()).isEqualTo("failure_threshold");
    Snapshot snapshot = breaker.snapshot();
    assertThat(snapshot.failureCount()).isEqualTo(3);
    assertThat(snapshot.openedAtMs()).isEqualTo(T0);
  }

  @Test
  void successResetsTheConsecutiveFailureCount() {
    Breaker breaker = breaker(settings);
    breaker.record(FAILURE, null, null, now);
    breaker.record(FAILURE, null, null, now);

    breaker.record(SUCCESS, null, null, now);
    breaker.record(FAILURE, null, null, now);
    breaker.record(FAILURE, null, null, now);

    assertThat(breaker.state()).isEqualTo(CLOSED);
    assertThat(breaker.snapshot().failureCount()).isEqualTo(2);
  }

  @Test
  void closedPermitsEveryCallWithTheUntrackedPermitAndNoAllocation() {
    Breaker breaker = breaker(settings);

    Decision first = breaker.acquire(now);
    Decision second = breaker.acquire(now);

    assertThat(first.permitted()).isTrue();
    assertThat(first.permit()).isEqualTo(Breaker.UNTRACKED_PERMIT);
    assertThat(second).as("one shared answer").isSameAs(first);
    assertThat(first.transitions()).isEmpty();
  }

  @Test
  void openRejectsUntilTheResetTimeoutWithTheTimeLeft() {
    Breaker breaker = openBreaker();
    now += 4_000;

    Decision decision = breaker.acquire(now);

    assertThat(decision.permitted()).isFalse();
    assertThat(decision.state()).isEqualTo(OPEN);
    assertThat(decision.retryAfterMs()).isEqualTo(6_000);
    now += 5_999;
    assertThat(breaker.acquire(now).permitted()).isFalse();
  }

  @Test
  void staysOpenWithZeroRetryAfterUntilTheNextAcquire() {
    Breaker breaker = openBreaker();

    now += 60_000;

    assertThat(breaker.state()).isEqualTo(OPEN);
    assertThat(breaker.retryAfterMs(now)).isZero();
  }

  @Test
  void firstAcquireAfterTheResetTimeoutMovesToHalfOpenAndGrantsATrial() {
    Breaker breaker = openBreaker();
    long changesBefore = breaker.versions().changes();
    now += 10_000;

    Decision decision = breaker.acquire(now);

    assertThat(decision.permitted()).isTrue();
    assertThat(decision.state()).isEqualTo(HALF_OPEN);
    assertThat(decision.transitions()).singleElement().satisfies(transition -> {
      assertThat(transition.from()).isEqualTo(OPEN);
      assertThat(transition.to()).isEqualTo(HALF_OPEN);
      assertThat(transition.reason()).isEqualTo("reset_timeout_elapsed");
    });
    assertThat(breaker.versions().changes()).isGreaterThan(changesBefore);
    assertThat(breaker.snapshot().halfOpenAttempts()).isEqualTo(1);
  }

  @Test
  void halfOpenPermitsAtMostHalfOpenMaxCallsTrialsAtOnce() {
    Breaker breaker = new Breaker("payments", BreakerSettings.builder().failureThreshold(1).resetTimeoutMs(1_000).halfOpenMaxCalls(2).build(), 0);
    breaker.record(FAILURE, null, null, now);
    now += 1_000;

    Decision first = breaker.acquire(now);
    Decision second = breaker.acquire(now);
    Decision third = breaker.acquire(now);

    assertThat(first.permitted()).isTrue();
    assertThat(second.permitted()).isTrue();
    assertThat(third.permitted()).isFalse();
    assertThat(third.state()).isEqualTo(HALF_OPEN);
  }

  @Test
  void successfulTrialClosesTheBreakerAndClearsItsCounters() {
    Breaker breaker = openBreaker();
    now += 10_000;
    Decision trial = breaker.acquire(now);

    Transition transition = breaker.record(SUCCESS, trial.permit(), null, now);

    assertThat(transition.to()).isEqualTo(CLOSED);
    assertThat(transition.reason()).isEqualTo("trial_succeeded");
    Snapshot snapshot = breaker.snapshot();
    assertThat(snapshot.failureCount()).isZero();
    assertThat(snapshot.openedAtMs()).isNull();
    assertThat(snapshot.halfOpenAttempts()).isZero();
  }

  @Test
  void failedTrialReopensWithANewOpenedAt() {
    Breaker breaker = openBreaker();
    now += 10_000;
    Decision trial = breaker.acquire(now);
    now += 250;

    Transition transition = breaker.record(FAILURE, trial.permit(), null, now);

    assertThat(transition.to()).isEqualTo(OPEN);
    assertThat(transition.reason()).isEqualTo("trial_failed");
    assertThat(breaker.snapshot().openedAtMs()).isEqualTo(now);
    assertThat(breaker.acquire(now).retryAfterMs()).isEqualTo(10_000);
  }

  @Test
  void outcomeWithAPermitNeverHandedOutIsRejectedAndChangesNothing() {
    Breaker breaker = openBreaker();
    now += 10_000;
    Decision trial = breaker.acquire(now);
    long changes = breaker.versions().changes();

    assertThatThrownBy(() -> breaker.record(SUCCESS, trial.permit() + 1_000, null, now))
        .isInstanceOf(PermitRejectedException.class).hasMessageContaining("never handed out");

    assertThat(breaker.state()).isEqualTo(HALF_OPEN);
    assertThat(breaker.snapshot().halfOpenAttempts()).isEqualTo(1);
    assertThat(breaker.versions().changes()).isEqualTo(changes);
  }

  @Test
  void outcomeWithoutAPermitCountsForTheOldestTrial() {
    Breaker breaker = openBreaker();
    now += 10_000;
    breaker.acquire(now);

    Transition transition = breaker.record(FAILURE, null, null, now);

    assertThat(transition.to()).isEqualTo(OPEN);
  }

  @Test
  void outcomesWhileOpenAreIgnored() {
    Breaker breaker = openBreaker();
    long changes = breaker.versions().changes();

    assertThat(breaker.record(FAILURE, null, null, now)).isNull();
    assertThat(breaker.record(SUCCESS, null, null, now)).isNull();

    assertThat(breaker.versions().changes()).isEqualTo(changes);
    assertThat(breaker.state()).isEqualTo(OPEN);
  }

  @ParameterizedTest
  @EnumSource(BreakerState.class)
  void resetClosesFromEveryState(BreakerState start) {
    Breaker breaker = breaker(settings);
    if (start == OPEN || start == HALF_OPEN) {
      breaker = openBreaker();
    }
    if (start == HALF_OPEN) {
      now += 10_000;
      breaker.acquire(now);
    }
    if (start == BreakerState.FORCED_OPEN) {
      breaker.forceOpen(null, now);
    }
    if (start == BreakerState.DISABLED) {
      breaker.disable(now);
    }
    long changes = breaker.versions().changes();

    Transition transition = breaker.reset(now);

    assertThat(transition.from()).isEqualTo(start);
    assertThat(transition.to()).isEqualTo(CLOSED);
    assertThat(transition.reason()).isEqualTo("reset");
    assertThat(breaker.versions().changes()).isGreaterThan(changes);
    assertThat(breaker.snapshot().failureCount()).isZero();
  }

  @Test
  void everyPersistedChangeIsCountedAndTheVersionIsTheStoredOnePlusOneUntilTheStoreConfirms() {
    // Given a new breaker: plain successes and closed acquires change nothing
    Breaker breaker = breaker(settings);
    breaker.record(SUCCESS, null, null, now);
    breaker.acquire(now);
    assertThat(breaker.versions().changes()).isZero();
    assertThat(breaker.version()).isZero();

    // When it counts a failure and a success, then Redis confirms a write covering both
    breaker.record(FAILURE, null, null, now);
    assertThat(breaker.versions().changes()).isEqualTo(1);
    assertThat(breaker.version()).as("the version its next write carries").isEqualTo(1);
    breaker.record(SUCCESS, null, null, now);
    assertThat(breaker.versions().changes()).isEqualTo(2);
    assertThat(breaker.version()).as("still one write away").isEqualTo(1);
    breaker.versions().stored(1, 2);
    assertThat(breaker.versions().unwritten()).isFalse();
    assertThat(breaker.version()).isEqualTo(1);

    // Then its next change is based on the stored version
    now += 5;
    breaker.record(FAILURE, null, null, now);
    assertThat(breaker.version()).isEqualTo(2);
    assertThat(breaker.snapshot().updatedAtMs()).isEqualTo(now);
  }

  @Test
  void restoredOpenBreakerRejectsForOnlyTheTimeItHadLeft() {
    Snapshot stored = openBreaker().snapshot();
    now += 7_000;

    Breaker restored = Breaker.restore(stored, settings, 5_000);

    Decision decision = restored.acquire(now);
    assertThat(decision.permitted()).isFalse();
    assertThat(decision.retryAfterMs()).isEqualTo(3_000);
    assertThat(restored.version()).isEqualTo(stored.version());
  }

  @Test
  void restoredOpenBreakerWhoseTimeoutPassedAllowsATrial() {
    Snapshot stored = openBreaker().snapshot();
    now += 3_600_000;

    Breaker restored = Breaker.restore(stored, settings, 5_000);

    assertThat(restored.state()).isEqualTo(OPEN);
    Decision decision = restored.acquire(now);
    assertThat(decision.permitted()).isTrue();
    assertThat(decision.state()).isEqualTo(HALF_OPEN);
  }

  @Test
  void restoredHalfOpenBreakerHasNoTrialsInFlight() {
    Snapshot stored = new Snapshot("payments", HALF_OPEN, 3, T0, 1, 7, T0);

    Breaker restored = Breaker.restore(stored, settings, 5_000);

    assertThat(restored.snapshot().halfOpenAttempts()).isZero();
    assertThat(restored.acquire(now).permitted()).isTrue();
  }

  @Test
  void restoredClosedBreakerKeepsItsFailureCount() {
    Snapshot stored = new Snapshot("payments", CLOSED, 2, null, 0, 4, T0);

    Breaker restored = Breaker.restore(stored, settings, 5_000);
    Transition transition = restored.record(FAILURE, null, null, now);

    assertThat(transition).isNotNull();
    assertThat(transition.to()).isEqualTo(OPEN);
  }

  @Test
  void transitionTableAllowsOnlyTheDocumentedMoves() {
    assertThat(Breaker.isLegal(CLOSED, OPEN)).isTrue();
    assertThat(Breaker.isLegal(OPEN, HALF_OPEN)).isTrue();
    assertThat(Breaker.isLegal(HALF_OPEN, CLOSED)).isTrue();
    assertThat(Breaker.isLegal(HALF_OPEN, OPEN)).isTrue();
    assertThat(Breaker.isLegal(CLOSED, HALF_OPEN)).isFalse();
    assertThat(Breaker.isLegal(OPEN, OPEN)).isFalse();
  }

  @Test
  void settingsRefuseNonsense() {
    assertThatThrownBy(() -> BreakerSettings.builder().failureThreshold(0).build())
        .hasMessageContaining("failureThreshold");
    assertThatThrownBy(() -> BreakerSettings.builder().resetTimeoutMs(0).build())
        .hasMessageContaining("resetTimeoutMs");
    assertThatThrownBy(() -> BreakerSettings.builder().halfOpenMaxCalls(0).build())
        .hasMessageContaining("halfOpenMaxCalls");
  }
}
