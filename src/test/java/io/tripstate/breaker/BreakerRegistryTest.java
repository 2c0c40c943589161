package io.tripstate.breaker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BreakerRegistryTest {
  private static final long NOW = 1_700_000_000_000L;
  private final List<String> events = new ArrayList<>();
  private final BreakerRegistry.Listener listener = new BreakerRegistry.Listener() {
    @Override
    public void onTransition(Breaker breaker, Transition transition) {
      events.add("transition " + breaker.name() + " " + transition.from() + "->" + transition.to());
    }

    @Override
    public void onCounterChange(Breaker breaker) {
      events.add("counter " + breaker.name());
    }
  };
  private final Map<String, BreakerSettings> perName = Map.of("fragile", BreakerSettings.builder().failureThreshold(1).resetTimeoutMs(500).build());

  private BreakerRegistry registry(int max) {
    return new BreakerRegistry(name -> perName.getOrDefault(name, BreakerSettings.DEFAULTS), max, 0, listener);
  }

  @Test
  void createsABreakerOnFirstUseWithItsOwnSettings() {
    BreakerRegistry registry = registry(10);

    registry.acquire("fragile", NOW);
    registry.record("sturdy", Outcome.SUCCESS, null, null, NOW);

    assertThat(registry.size()).isEqualTo(2);
    assertThat(registry.get("fragile").settings().failureThreshold()).isEqualTo(1);
    assertThat(registry.get("sturdy").settings()).isEqualTo(BreakerSettings.DEFAULTS);
  }

  @Test
  void refusesANewNameBeyondMaxBreakersButServesExistingOnes() {
    BreakerRegistry registry = registry(2);
    registry.acquire("a", NOW);
    registry.acquire("b", NOW);

    assertThatThrownBy(() -> registry.acquire("c", NOW))
        .isInstanceOf(BreakerRegistry.LimitExceededException.class)
        .hasMessageContaining("'c'").hasMessageContaining("2");
    assertThat(registry.acquire("a", NOW).permitted()).isTrue();
    assertThat(registry.size()).isEqualTo(2);
  }

  @Test
  void getOrCreateCreatesOnceAppliesTimeAndKeepsTheLimit() {
    BreakerRegistry registry = registry(1);
    registry.forceOpen("maintenance", 1_000L, NOW);
    events.clear();

    Breaker breaker = registry.getOrCreate("maintenance", NOW + 1_000);

    assertThat(breaker).isSameAs(registry.get("maintenance"));
    assertThat(breaker.state()).as("the forced-open period is over").isEqualTo(BreakerState.HALF_OPEN);
    assertThat(events).containsExactly("transition maintenance forced_open->half_open");
    assertThatThrownBy(() -> registry.getOrCreate("another", NOW))
        .isInstanceOf(BreakerRegistry.LimitExceededException.class);
  }

  @Test
  void aNewNameIsReportedAsCreatedOnceAndARestoredOneNot() {
    BreakerRegistry registry = registry(10);
    List<String> created = new ArrayList<>();
    BreakerRegistry watched = new BreakerRegistry(name -> BreakerSettings.DEFAULTS, 10, 0,
        new BreakerRegistry.Listener() {
          @Override
          public void onTransition(Breaker breaker, Transition transition) {}

          @Override
          public void onCounterChange(Breaker breaker) {}

          @Override
          public void onCreated(Breaker breaker) {
            created.add(breaker.name() + " " + breaker.state());
          }
        });
    watched.restore(List.of(registry.forceOpen("restored", null, NOW).snapshot()));

    watched.acquire("fresh", NOW);
    watched.record("fresh", Outcome.FAILURE, null, null, NOW);
    watched.acquire("restored", NOW);

    assertThat(created).containsExactly("fresh closed");
  }

  @Test
  void reportsTransitionsAndCounterChangesSeparately() {
    BreakerRegistry registry = registry(10);

    registry.record("x", Outcome.FAILURE, null, null, NOW);
    registry.record("x", Outcome.SUCCESS, null, null, NOW);
    registry.record("x", Outcome.SUCCESS, null, null, NOW);
    registry.record("fragile", Outcome.FAILURE, null, null, NOW);

    assertThat(events).containsExactly("counter x", "counter x", "transition fragile closed->open");
  }

  @Test
  void aRunCountsEveryOutcomeInItAsSeparateCalls() {
    BreakerRegistry registry = registry(10);

    registry.recordRun("x", Outcome.FAILURE, null, null, 4, NOW);

    assertThat(registry.get("x").snapshot().failureCount()).isEqualTo(4);
    assertThat(registry.get("x").state()).isEqualTo(BreakerState.CLOSED);
    assertThat(events).containsExactly("counter x", "counter x", "counter x", "counter x");
  }

  @Test
  void aRunStopsWhereItsBreakerLeavesClosed() {
    BreakerRegistry registry = registry(10);

    registry.recordRun("x", Outcome.FAILURE, null, null, 9, NOW);

    assertThat(registry.get("x").state()).isEqualTo(BreakerState.OPEN);
    assertThat(registry.get("x").snapshot().failureCount()).as("the default threshold, not 9").isEqualTo(5);
    assertThat(events).endsWith("transition x closed->open").hasSize(5);
  }

  @Test
  void resetOfAnUnknownNameCreatesNothing() {
    BreakerRegistry registry = registry(10);

    assertThat(registry.reset("ghost", NOW)).isNull();

    assertThat(registry.size()).isZero();
    assertThat(events).isEmpty();
  }

  @Test
  void restoreNotifiesNobody() {
    BreakerRegistry registry = registry(10);

    registry.restore(List.of(new Snapshot("x", BreakerState.OPEN, 5, NOW, 0, 9, NOW)));

    assertThat(registry.get("x").state()).isEqualTo(BreakerState.OPEN);
    assertThat(registry.get("x").version()).isEqualTo(9);
    assertThat(events).isEmpty();
  }

  @Test
  void lateMergeKeepsLocalChangesAboveTheStoredVersionAndTakesTheRest() {
    BreakerRegistry registry = registry(10);
    registry.record("fragile", Outcome.FAILURE, null, null, NOW);
    registry.acquire("untouched", NOW);
    Snapshot storedFragile = new Snapshot("fragile", BreakerState.CLOSED, 0, null, 0, 40, NOW - 1000);
    Snapshot storedUntouched = new Snapshot("untouched", BreakerState.OPEN, 5, NOW - 10, 0, 12, NOW - 10);
    Snapshot storedOnly = new Snapshot("elsewhere", BreakerState.OPEN, 5, NOW - 10, 0, 3, NOW - 10);

    List<Breaker> rebased = registry.mergeLate(List.of(storedFragile, storedUntouched, storedOnly));

    assertThat(rebased).extracting(Breaker::name).containsExactly("fragile");
    assertThat(registry.get("fragile").state()).isEqualTo(BreakerState.OPEN);
    assertThat(registry.get("fragile").version()).isGreaterThan(40);
    assertThat(registry.get("untouched").state()).isEqualTo(BreakerState.OPEN);
    assertThat(registry.get("untouched").version()).isEqualTo(12);
    assertThat(registry.get("elsewhere").state()).isEqualTo(BreakerState.OPEN);
  }
}
