package io.tripstate.breaker;

import static io.tripstate.breaker.Outcome.FAILURE;
import static io.tripstate.breaker.Outcome.IGNORED;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * {@link Breaker#trialDue}: it says, without changing anything, whether {@code acquire} would grant a trial now
 * (the moment a shared breaker must take its trial lease first), time applied as {@code tick} would.
 */
class BreakerTrialDueTest {
  private static final long T0 = 1_700_000_000_000L;
  private final BreakerSettings settings = BreakerSettings.builder().failureThreshold(1).resetTimeoutMs(1_000)
      .halfOpenMaxCalls(2).permitTimeoutMs(500).build();
  private final Breaker breaker = new Breaker("payments", settings, 1_000);

  @Test
  void anOpenBreakerIsDueOnceItsOpenTimeIsUp() {
    // Given a closed breaker: never due
    assertThat(breaker.trialDue(T0)).isFalse();

    // When it opens, then it is due only from the end of its open time, and asking changes nothing
    breaker.record(FAILURE, null, null, T0);
    assertThat(breaker.trialDue(T0 + 999)).isFalse();
    assertThat(breaker.trialDue(T0 + 1_000)).isTrue();
    assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
    assertThat(breaker.acquire(T0 + 1_000).permit()).isNotZero();
  }

  @Test
  void aHalfOpenBreakerIsDueWhileItHasRoomForTrialsAndNoneExpired() {
    // Given a half-open breaker with one of its two trials out
    breaker.record(FAILURE, null, null, T0);
    long first = breaker.acquire(T0 + 1_000).permit();
    assertThat(breaker.trialDue(T0 + 1_000)).isTrue();

    // When the second trial is out, then it is full
    breaker.acquire(T0 + 1_000);
    assertThat(breaker.trialDue(T0 + 1_000)).isFalse();

    // When one ends without deciding, then there is room again
    breaker.record(IGNORED, first, null, T0 + 1_100);
    assertThat(breaker.trialOut(first)).isFalse();
    assertThat(breaker.trialDue(T0 + 1_100)).isTrue();

    // When the other trial expired, then it is not due: tick reopens the breaker first
    assertThat(breaker.trialDue(T0 + 1_500)).isFalse();
    assertThat(breaker.tick(T0 + 1_500).to()).isEqualTo(BreakerState.OPEN);
  }

  @Test
  void aForcedOpenBreakerIsDueOnlyWhenItsDurationElapsed() {
    // Given a breaker forced open for 2 s, then one forced open until reset
    breaker.forceOpen(2_000L, T0);
    assertThat(breaker.trialDue(T0 + 1_999)).isFalse();
    assertThat(breaker.trialDue(T0 + 2_000)).isTrue();
    breaker.forceOpen(null, T0);
    assertThat(breaker.trialDue(T0 + 1_000_000)).isFalse();
  }
}
