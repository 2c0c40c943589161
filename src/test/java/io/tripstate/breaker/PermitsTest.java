package io.tripstate.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** Trial permits: numbers that grow across restarts, a random tag per instance, opaque strings on the wire. */
class PermitsTest {
  private static final long STARTED = 1_767_225_600_000L;
  private final Permits permits = new Permits(STARTED, 0x0123456789abcdefL);

  @Test
  void aTrialPermitIsItsNumberAndTheInstanceTagAndReadsBackAsTheNumber() {
    long permit = permits.seed() + 1;

    String text = permits.text(permit);

    assertThat(text).isEqualTo(permit + ".0123456789abcdef");
    assertThat(permits.parse(text)).isEqualTo(permit);
  }

  @Test
  void theUntrackedPermitStaysZeroAndReadsBackWithoutAllocating() {
    assertThat(permits.text(Breaker.UNTRACKED_PERMIT)).isEqualTo("0");
    assertThat(permits.parse("0")).isSameAs(permits.parse("0")).isEqualTo(Breaker.UNTRACKED_PERMIT);
  }

  @Test
  void aPermitOfAnotherInstanceIsStaleEvenWithTheSameNumber() {
    Permits other = new Permits(STARTED, 0x0123456789abcdeeL);
    long sameNumber = permits.seed() + 1;

    Long parsed = permits.parse(other.text(sameNumber));

    assertThat(other.text(sameNumber)).isNotEqualTo(permits.text(sameNumber));
    assertThat(parsed).isEqualTo(Permits.STALE);
  }

  @Test
  void aRestartedInstanceNumbersItsPermitsAboveEveryPermitOfItsPreviousRun() {
    Permits before = new Permits(STARTED, 7);
    long lastBefore = before.seed() + 1_000_000; // a million trials in the run before

    Permits after = new Permits(STARTED + 1, 7);

    assertThat(after.seed()).isGreaterThan(lastBefore);
    assertThat(Permits.STALE).isPositive().isLessThan(before.seed());
  }

  @Test
  void plainNumbersFromOlderVersionsReadAsNumbers() {
    assertThat(permits.parse("99999999999999999")).isEqualTo(99_999_999_999_999_999L);
  }

  @Test
  void textThatIsNoPermitIsRefusedWithItsText() {
    for (String bad : new String[] {"", "abc", "12.", ".0123456789abcdef", "12.0123456789ABCDEF", "12.xyz",
        "0.0123456789abcdef", "-5.0123456789abcdef", "12.0123456789abcdef0"}) {
      assertThatThrownBy(() -> permits.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("not a permit");
    }
  }
}
