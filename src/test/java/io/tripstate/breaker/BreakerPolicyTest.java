package io.tripstate.breaker;

import static io.tripstate.breaker.BreakerState.CLOSED;
import static io.tripstate.breaker.BreakerState.DISABLED;
import static io.tripstate.breaker.BreakerState.FORCED_OPEN;
import static io.tripstate.breaker.BreakerState.HALF_OPEN;
import static io.tripstate.breaker.BreakerState.OPEN;
import static io.tripstate.breaker.Outcome.FAILURE;
import static io.tripstate.breaker.Outcome.IGNORED;
import static io.tripstate.breaker.Outcome.SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Windows, slow calls, half-open rules, backoff and forced states, on a clock the test moves. */
class BreakerPolicyTest {
  private static final long T0 = 1_700_000_000_000L;
  private long now = T0;

  private static Breaker breaker(BreakerSettings.Builder settings) {
    return new Breaker("svc", settings.build(), 1_000);
  }

  /** Records a pattern such as "sffs" (upper case = slow, 100 ms; lower case 1 ms) at the current time. */
  private void play(Breaker breaker, String pattern) {
    for (char c : pattern.toCharArray()) {
      Outcome outcome = Character.toLowerCase(c) == 'f' ? FAILURE : SUCCESS;
      breaker.record(outcome, null, Character.isUpperCase(c) ? 100.0 : 1.0, now);
    }
  }

  private Breaker openedFrom(BreakerSettings.Builder settings) {
    Breaker breaker = breaker(settings.failureThreshold(1));
    breaker.record(FAILURE, null, null, now);
    assertThat(breaker.state()).isEqualTo(OPEN);
    return breaker;
  }

  @ParameterizedTest(name = "count window of 4, minimumCalls 4, 50%: {0} -> {1}")
  @CsvSource({"sss, closed", "fff, closed", "ssff, open", "sfsf, open", "sssf, closed", "fsss, closed",
      "sssfsf, open"})
  void countWindowOpensAtTheFailureRateOnceItHoldsMinimumCalls(String pattern, String expected) {
    Breaker breaker = breaker(BreakerSettings.builder().window(WindowType.COUNT, 4, 4));

    play(breaker, pattern);

    assertThat(breaker.state().wireName()).isEqualTo(expected);
  }

  @Test
  void countWindowIgnoresFailureThreshold() {
    Breaker breaker = breaker(BreakerSettings.builder().failureThreshold(1).window(WindowType.COUNT, 10, 10));

    play(breaker, "fffff");

    assertThat(breaker.state()).isEqualTo(CLOSED);
    assertThat(breaker.snapshot().failureCount()).isEqualTo(5);
  }

  @Test
  void timeWindowForgetsCallsOlderThanItsSize() {
    Breaker breaker = breaker(BreakerSettings.builder().window(WindowType.TIME, 10, 4));
    play(breaker, "ff");
    now += 11_000;

    play(breaker, "ss");
    assertThat(breaker.state()).as("the two old failures fell out").isEqualTo(CLOSED);
    play(breaker, "ff");

    assertThat(breaker.state()).isEqualTo(OPEN);
  }

  @Test
  void slowCallRateOpensEvenWhenEveryCallSucceeds() {
    Breaker breaker = breaker(BreakerSettings.builder().window(WindowType.COUNT, 4, 4).slowCallDurationMs(100)
        .slowCallRateThreshold(50));

    play(breaker, "SsSs");

    assertThat(breaker.state()).isEqualTo(OPEN);
    assertThat(breaker.snapshot().failureCount()).as("a slow success is still a success").isZero();
  }

  @Test
  void slowCallsDoNotCountInAConsecutiveWindow() {
    Breaker breaker = breaker(BreakerSettings.builder().failureThreshold(2).slowCallDurationMs(100));

    play(breaker, "SSSSFs");

    assertThat(breaker.state()).isEqualTo(CLOSED);
  }

  @Test
  void onlyCountAndTimeWindowsAskForCallDurations() {
    BreakerSettings consecutive = BreakerSettings.builder().slowCallDurationMs(100).build();
    BreakerSettings count = BreakerSettings.builder().window(WindowType.COUNT, 10, 10).slowCallDurationMs(100).build();
    BreakerSettings time = BreakerSettings.builder().window(WindowType.TIME, 10, 10).slowCallDurationMs(250).build();

    assertThat(consecutive.slowCallThresholdMs()).as("durations ignored").isZero();
    assertThat(count.slowCallThresholdMs()).isEqualTo(100);
    assertThat(time.slowCallThresholdMs()).isEqualTo(250);
  }

  @Test
  void ignoredOutcomesCountNowhere() {
    Breaker breaker = breaker(BreakerSettings.builder().failureThreshold(2));
    breaker.record(FAILURE, null, null, now);
    long changes = breaker.versions().changes();

    breaker.record(IGNORED, null, null, now);
    breaker.record(FAILURE, null, null, now);

    assertThat(breaker.state()).isEqualTo(OPEN);
    assertThat(changes).isEqualTo(1);
  }

  @Test
  void ignoredTrialFreesItsSlotWithoutDecidingAnything() {
    Breaker breaker = openedFrom(BreakerSettings.builder().resetTimeoutMs(1_000));
    now += 1_000;
    Decision trial = breaker.acquire(now);
    assertThat(breaker.acquire(now).permitted()).isFalse();

    breaker.record(IGNORED, trial.permit(), null, now);

    assertThat(breaker.state()).isEqualTo(HALF_OPEN);
    assertThat(breaker.acquire(now).permitted()).isTrue();
  }

  @Test
  void closesOnlyAfterSuccessThresholdSuccessfulTrials() {
    Breaker breaker = openedFrom(BreakerSettings.builder().resetTimeoutMs(1_000).successThreshold(2));
    now += 1_000;

    breaker.record(SUCCESS, breaker.acquire(now).permit(), null, now);
    assertThat(breaker.state()).isEqualTo(HALF_OPEN);
    breaker.record(SUCCESS, breaker.acquire(now).permit(), null, now);

    assertThat(breaker.state()).isEqualTo(CLOSED);
  }

  @Test
  void aTrialNotRecordedInTimeCountsAsFailedWhenItsTimeIsUp() {
    Breaker breaker = openedFrom(BreakerSettings.builder().resetTimeoutMs(1_000).permitTimeoutMs(5_000));
    now += 1_000;
    Decision trial = breaker.acquire(now);
    assertThat(breaker.nextDeadline()).isEqualTo(now + 5_000);

    now += 4_999;
    assertThat(breaker.tick(now)).isNull();
    now += 1;
    Transition transition = breaker.tick(now);

    assertThat(transition.to()).isEqualTo(OPEN);
    assertThat(transition.reason()).isEqualTo("trial_expired");
    assertThat(breaker.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    assertThatThrownBy(() -> breaker.record(SUCCESS, trial.permit(), null, now))
        .isInstanceOf(PermitRejectedException.class).hasMessageContaining("already used or has expired");
  }

  @Test
  void theUntrackedPermitOfTheFastPathCountsInClosedButNeverDecidesATrial() {
    Breaker breaker = breaker(BreakerSettings.builder().failureThreshold(1).resetTimeoutMs(1_000));

    breaker.record(FAILURE, Breaker.UNTRACKED_PERMIT, null, now);
    assertThat(breaker.state()).isEqualTo(OPEN);
    now += 1_000;
    breaker.acquire(now);

    assertThatThrownBy(() -> breaker.record(SUCCESS, Breaker.UNTRACKED_PERMIT, null, now))
        .isInstanceOf(PermitRejectedException.class);
    assertThat(breaker.state()).isEqualTo(HALF_OPEN);
  }

  @Test
  void aPermitRecordedTwiceIsRejectedTheSecondTime() {
    Breaker breaker = openedFrom(BreakerSettings.builder().resetTimeoutMs(1_000).successThreshold(3));
    now += 1_000;
    Decision trial = breaker.acquire(now);
    breaker.record(SUCCESS, trial.permit(), null, now);
    long changes = breaker.versions().changes();

    assertThatThrownBy(() -> breaker.record(SUCCESS, trial.permit(), null, now))
        .isInstanceOf(PermitRejectedException.class);

    assertThat(breaker.versions().changes()).isEqualTo(changes);
  }

  @Test
  void backoffMultipliesTheOpenTimeUpToTheMaximumAndACloseResetsIt() {
    Breaker breaker = openedFrom(BreakerSettings.builder().resetTimeoutMs(1_000).backoff(2.0, 3_000));
    long[] expected = {2_000, 3_000, 3_000};
    for (long openTime : expected) {
      now += breaker.retryAfterMs(now);
      breaker.record(FAILURE, breaker.acquire(now).permit(), null, now);
      assertThat(breaker.retryAfterMs(now)).isEqualTo(openTime);
      assertThat(breaker.snapshot().openTimeoutMs()).isEqualTo(openTime);
    }

    now += 3_000;
    breaker.record(SUCCESS, breaker.acquire(now).permit(), null, now);
    breaker.record(FAILURE, null, null, now);

    assertThat(breaker.retryAfterMs(now)).isEqualTo(1_000);
  }

  @Test
  void forcedOpenRejectsEverythingAndEndsHalfOpenAfterItsDuration() {
    Breaker breaker = breaker(BreakerSettings.builder());

    Transition forced = breaker.forceOpen(5_000L, now);
    Decision rejected = breaker.acquire(now);
    now += 5_000;
    Transition ended = breaker.tick(now);

    assertThat(forced.to()).isEqualTo(FORCED_OPEN);
    assertThat(rejected.permitted()).isFalse();
    assertThat(rejected.retryAfterMs()).isEqualTo(5_000);
    assertThat(ended.to()).isEqualTo(HALF_OPEN);
    assertThat(ended.reason()).isEqualTo("forced_open_elapsed");
    assertThat(breaker.acquire(now).permitted()).isTrue();
  }

  @Test
  void forcedOpenWithoutDurationLastsUntilReset() {
    Breaker breaker = breaker(BreakerSettings.builder());
    breaker.forceOpen(null, now);
    now += 365L * 86_400_000L;

    assertThat(breaker.tick(now)).isNull();
    assertThat(breaker.nextDeadline()).isEqualTo(Long.MAX_VALUE);
    assertThat(breaker.acquire(now).permitted()).isFalse();
    assertThat(breaker.reset(now).to()).isEqualTo(CLOSED);
    assertThat(breaker.acquire(now).permitted()).isTrue();
  }

  @Test
  void disabledPermitsEverythingAndCountsNothing() {
    Breaker breaker = breaker(BreakerSettings.builder().failureThreshold(1));
    breaker.disable(now);
    long changes = breaker.versions().changes();

    for (int i = 0; i < 10; i++) {
      assertThat(breaker.acquire(now).permitted()).isTrue();
      breaker.record(FAILURE, null, null, now);
    }

    assertThat(breaker.state()).isEqualTo(DISABLED);
    assertThat(breaker.versions().changes()).isEqualTo(changes);
  }

  @Test
  void restoreKeepsTheWindowWhenItsTypeAndSizeAreUnchanged() {
    BreakerSettings.Builder settings = BreakerSettings.builder().window(WindowType.COUNT, 4, 4);
    Breaker before = breaker(settings);
    play(before, "sff");

    Breaker after = Breaker.restore(before.snapshot(), settings.build(), 5_000);
    play(after, "s");

    assertThat(after.state()).isEqualTo(OPEN);
  }

  @Test
  void restoreKeepsATimeWindowsBuckets() {
    BreakerSettings.Builder settings = BreakerSettings.builder().window(WindowType.TIME, 30, 4);
    Breaker before = breaker(settings);
    play(before, "sf");
    now += 2_000;
    play(before, "f");

    Breaker after = Breaker.restore(before.snapshot(), settings.build(), 5_000);
    assertThat(after.snapshot().window().buckets()).hasSize(2);
    play(after, "s");

    assertThat(after.state()).as("2 failures of 4 calls across the restore").isEqualTo(OPEN);
  }

  @ParameterizedTest(name = "window {0}/{1} restored under {2}/{3} starts empty")
  @CsvSource({"COUNT, 4, COUNT, 5", "COUNT, 4, TIME, 4", "TIME, 10, TIME, 20", "COUNT, 4, CONSECUTIVE, 4"})
  void restoreStartsAnEmptyWindowWhenItsTypeOrSizeChanged(WindowType oldType, int oldSize, WindowType newType,
      int newSize) {
    Breaker before = breaker(BreakerSettings.builder().window(oldType, oldSize, 1).failureRateThreshold(100));
    play(before, "sfs");
    assertThat(before.snapshot().failureCount()).isEqualTo(1);
    BreakerSettings changed = BreakerSettings.builder().window(newType, newSize, 1).failureThreshold(2)
        .failureRateThreshold(100).build();

    Breaker after = Breaker.restore(before.snapshot(), changed, 5_000);

    assertThat(after.snapshot().failureCount()).isZero();
    assertThat(after.snapshot().window() == null ? "" : after.snapshot().window().outcomes()).isEmpty();
  }

  @Test
  void aRestoredOpenTimeNeverExceedsTheNewMaximum() {
    Breaker before = openedFrom(BreakerSettings.builder().resetTimeoutMs(60_000).backoff(2.0, 600_000));
    now += 60_000;
    before.record(FAILURE, before.acquire(now).permit(), null, now);
    assertThat(before.retryAfterMs(now)).isEqualTo(120_000);

    Breaker after = Breaker.restore(before.snapshot(), BreakerSettings.builder().resetTimeoutMs(30_000).build(),
        5_000);

    assertThat(after.retryAfterMs(now)).isEqualTo(30_000);
  }
}
