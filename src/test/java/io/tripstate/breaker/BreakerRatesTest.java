package io.tripstate.breaker;

import static io.tripstate.breaker.Outcome.FAILURE;
import static io.tripstate.breaker.Outcome.SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** Failure and slow-call rates and window counts, as status and metrics report them. */
class BreakerRatesTest {
  private static final long T0 = 1_700_000_000_000L;
  private long now = T0;

  private static Breaker breaker(BreakerSettings.Builder settings) {
    return new Breaker("svc", settings.slowCallDurationMs(50).failureRateThreshold(100)
        .slowCallRateThreshold(100).build(), 1_000);
  }

  /** Records a pattern such as "sfSF" (upper case = slow, 100 ms; lower case 1 ms) at the current time. */
  private void play(Breaker breaker, String pattern) {
    for (char c : pattern.toCharArray()) {
      Outcome outcome = Character.toLowerCase(c) == 'f' ? FAILURE : SUCCESS;
      breaker.record(outcome, null, Character.isUpperCase(c) ? 100.0 : 1.0, now);
    }
  }

  @Test
  void ratesAreMinusOneUntilTheWindowHoldsMinimumCalls() {
    Breaker breaker = breaker(BreakerSettings.builder().window(WindowType.COUNT, 10, 4));

    play(breaker, "fSf");

    assertThat(breaker.failureRate(now)).isEqualTo(-1f);
    assertThat(breaker.slowCallRate(now)).isEqualTo(-1f);
  }

  @Test
  void countWindowReportsRatesInPercentOnceItHoldsMinimumCalls() {
    Breaker breaker = breaker(BreakerSettings.builder().window(WindowType.COUNT, 10, 4));

    play(breaker, "fSsF");

    assertThat(breaker.failureRate(now)).isEqualTo(50f);
    assertThat(breaker.slowCallRate(now)).isEqualTo(50f);
    assertThat(breaker.windowCounts(now)).isEqualTo(new WindowCounts(4, 2, 2, 1));
  }

  @Test
  void countWindowForgetsTheSlowFailuresItEvicts() {
    Breaker breaker = breaker(BreakerSettings.builder().window(WindowType.COUNT, 3, 3));

    play(breaker, "FSsss");

    assertThat(breaker.windowCounts(now)).isEqualTo(new WindowCounts(3, 0, 0, 0));
    assertThat(breaker.failureRate(now)).isEqualTo(0f);
  }

  @Test
  void timeWindowRatesFallBackToMinusOneWhenItsCallsAgeOut() {
    Breaker breaker = breaker(BreakerSettings.builder().window(WindowType.TIME, 10, 2));
    play(breaker, "FsSf");
    assertThat(breaker.failureRate(now)).isEqualTo(50f);
    assertThat(breaker.windowCounts(now)).isEqualTo(new WindowCounts(4, 2, 2, 1));

    now += 11_000;

    assertThat(breaker.failureRate(now)).isEqualTo(-1f);
    assertThat(breaker.slowCallRate(now)).isEqualTo(-1f);
    assertThat(breaker.windowCounts(now)).isEqualTo(new WindowCounts(0, 0, 0, 0));
  }

  @Test
  void consecutiveWindowHasNoRateButReportsItsRunOfFailures() {
    Breaker breaker = breaker(BreakerSettings.builder().failureThreshold(5));

    play(breaker, "ssFf");

    assertThat(breaker.failureRate(now)).isEqualTo(-1f);
    assertThat(breaker.slowCallRate(now)).isEqualTo(-1f);
    assertThat(breaker.windowCounts(now)).isEqualTo(new WindowCounts(2, 2, 0, 0));
  }

  @Test
  void theRateThatOpenedABreakerStaysVisibleUntilItCloses() {
    Breaker breaker = new Breaker("svc", BreakerSettings.builder().window(WindowType.COUNT, 4, 4)
        .failureRateThreshold(50).build(), 1_000);
    play(breaker, "ssff");
    assertThat(breaker.state()).isEqualTo(BreakerState.OPEN);
    assertThat(breaker.failureRate(now)).isEqualTo(50f);

    breaker.reset(now);

    assertThat(breaker.failureRate(now)).isEqualTo(-1f);
  }
}
