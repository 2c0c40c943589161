package io.tripstate.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Snapshot;
import org.junit.jupiter.api.Test;

/** The TTL rule: a key never expires while the state it holds lasts. */
class KeyTtlTest {
  private static final long NOW = 1_767_225_600_000L;
  private final BreakerSettings settings = BreakerSettings.builder().resetTimeoutMs(30_000).permitTimeoutMs(90_000)
      .openTtlSeconds(600).ttlSeconds(60).build();

  private static Snapshot snapshot(BreakerState state, Long openedAtMs, Long openTimeoutMs, Long forcedUntilMs) {
    return new Snapshot("db", state, 0, openedAtMs, 0, 1, NOW, openTimeoutMs, forcedUntilMs, 0, null);
  }

  private long ttl(Snapshot snapshot, BreakerSettings with) {
    return KeyTtl.seconds(snapshot, with, NOW);
  }

  @Test
  void aClosedBreakersKeyLivesTtlSeconds() {
    assertThat(ttl(snapshot(BreakerState.CLOSED, null, null, null), settings)).isEqualTo(60);
  }

  @Test
  void anOpenBreakersKeyLivesAtLeastOpenTtlSeconds() {
    // Given an open breaker with 30 s left, far less than openTtlSeconds
    Snapshot open = snapshot(BreakerState.OPEN, NOW, 30_000L, null);

    // Then its key lives openTtlSeconds
    assertThat(ttl(open, settings)).isEqualTo(600);
  }

  @Test
  void anOpenBreakerWhoseOpenTimeOutlastsOpenTtlSecondsKeepsItsKeyForTheTimeLeftAndTtlSecondsMore() {
    // Given a reopen with backoff: a day open, opened an hour ago
    Snapshot open = snapshot(BreakerState.OPEN, NOW - 3_600_000, 86_400_000L, null);

    // Then its key lives the 23 h left, plus the ttlSeconds of the half-open state that follows
    assertThat(ttl(open, settings)).isEqualTo(23 * 3_600 + 60);
  }

  @Test
  void theOpenTimeLeftIsRoundedUpAndTakenFromTheSettingsWhenTheSnapshotHasNone() {
    BreakerSettings longOpen = settings.toBuilder().resetTimeoutMs(3_600_500).build();

    assertThat(ttl(snapshot(BreakerState.OPEN, NOW, null, null), longOpen)).isEqualTo(3_601 + 60);
  }

  @Test
  void aHalfOpenBreakersKeyOutlivesItsTrialPermits() {
    Snapshot halfOpen = snapshot(BreakerState.HALF_OPEN, NOW - 30_000, 30_000L, null);

    assertThat(ttl(halfOpen, settings)).as("permitTimeoutMs 90 s over ttlSeconds 60").isEqualTo(90);
    assertThat(ttl(halfOpen, settings.toBuilder().ttlSeconds(3_600).build())).isEqualTo(3_600);
  }

  @Test
  void aForcedOpenWithADurationKeepsItsKeyForTheTimeLeftAndTtlSecondsMore() {
    Snapshot forced = snapshot(BreakerState.FORCED_OPEN, null, null, NOW + 7_200_000);

    assertThat(ttl(forced, settings)).isEqualTo(7_200 + 60);
  }

  @Test
  void operatorStatesWithoutAnEndNeverExpire() {
    assertThat(ttl(snapshot(BreakerState.FORCED_OPEN, null, null, null), settings)).isEqualTo(KeyTtl.NEVER);
    assertThat(ttl(snapshot(BreakerState.DISABLED, null, null, null), settings)).isEqualTo(KeyTtl.NEVER);
  }

  @Test
  void aZeroTtlMeansNoExpiryForEveryStateThatEndsByItself() {
    BreakerSettings keep = settings.toBuilder().ttlSeconds(0).build();

    assertThat(ttl(snapshot(BreakerState.CLOSED, null, null, null), keep)).isEqualTo(KeyTtl.NEVER);
    assertThat(ttl(snapshot(BreakerState.OPEN, NOW, 30_000L, null), keep)).isEqualTo(KeyTtl.NEVER);
    assertThat(ttl(snapshot(BreakerState.HALF_OPEN, NOW, 30_000L, null), keep)).isEqualTo(KeyTtl.NEVER);
    assertThat(ttl(snapshot(BreakerState.FORCED_OPEN, null, null, NOW + 1_000), keep)).isEqualTo(KeyTtl.NEVER);
    assertThat(ttl(snapshot(BreakerState.OPEN, NOW, 30_000L, null), settings.toBuilder().openTtlSeconds(0).build()))
        .isEqualTo(KeyTtl.NEVER);
  }

  @Test
  void aForcedOpenOfCenturiesIsCutToAHundredYears() {
    Snapshot forever = snapshot(BreakerState.FORCED_OPEN, null, null, Long.MAX_VALUE);

    assertThat(ttl(forever, settings)).isEqualTo(KeyTtl.MAX_SECONDS);
  }
}
