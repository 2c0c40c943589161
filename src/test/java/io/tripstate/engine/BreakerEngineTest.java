package io.tripstate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Decision;
import io.tripstate.breaker.Outcome;
import io.tripstate.breaker.Permits;
import io.tripstate.breaker.Snapshot;
import io.tripstate.breaker.Transition;
import io.tripstate.support.ManualScheduler;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine on virtual time: deadlines fire at their time with no request, and every change is heard. */
class BreakerEngineTest {
  private static final BreakerSettings SETTINGS = BreakerSettings.builder().failureThreshold(1).resetTimeoutMs(1_000)
      .permitTimeoutMs(500).build();

  private final ManualScheduler scheduler = ManualScheduler.atEpoch2026();
  private final long start = scheduler.nowMs();
  private final List<String> heard = new ArrayList<>();
  private final BreakerEngine engine = new BreakerEngine(name -> SETTINGS, 100, scheduler,
      new Permits(start, 0x5eedL), List.of(recorder("first"), recorder("second")));

  /** A listener that writes down what it hears, with the virtual time for transitions. */
  private BreakerRegistry.Listener recorder(String who) {
    return new BreakerRegistry.Listener() {
      @Override
      public void onTransition(Breaker breaker, Transition transition) {
        heard.add(who + " " + transition.name() + " " + transition.reason() + " +" + (transition.atMs() - start));
      }

      @Override
      public void onCounterChange(Breaker breaker) {
        heard.add(who + " counter " + breaker.name());
      }

      @Override
      public void onRestored(Breaker breaker) {
        heard.add(who + " restored " + breaker.name());
      }

      @Override
      public void onRejected(Breaker breaker, Decision decision) {
        heard.add(who + " rejected " + breaker.name());
      }
    };
  }

  private List<String> heardBy(String who) {
    return heard.stream().filter(line -> line.startsWith(who + " ")).map(line -> line.substring(who.length() + 1))
        .toList();
  }

  private static Snapshot forcedOpenUntil(String name, long untilMs, long version) {
    return new Snapshot(name, BreakerState.FORCED_OPEN, 0, null, 0, version, untilMs - 10_000, null, untilMs, 0,
        null);
  }

  @Test
  void anExpiredTrialReopensTheBreakerAtItsTimeWithNoRequest() {
    // Given a trial handed out
    engine.record("lost", Outcome.FAILURE, null, null);
    scheduler.advanceMillis(1_000);
    assertThat(engine.acquire("lost").state()).isEqualTo(BreakerState.HALF_OPEN);

    // When time passes up to, then past, the permit timeout with no request
    scheduler.advanceMillis(499);
    List<String> beforeItsTime = heardBy("first");
    scheduler.advanceMillis(1);

    // Then the trial expired exactly then
    assertThat(beforeItsTime).containsExactly("lost failure_threshold +0", "lost reset_timeout_elapsed +1000");
    assertThat(heardBy("first")).containsExactly("lost failure_threshold +0", "lost reset_timeout_elapsed +1000",
        "lost trial_expired +1500");
    assertThat(engine.peek("lost").state()).isEqualTo(BreakerState.OPEN);
  }

  @Test
  void aForcedOpenPeriodEndsAtItsTimeWithNoRequest() {
    // Given a breaker forced open for 2 s
    Applied forced = engine.forceOpen("maintenance", 2_000L);

    // When 2 s pass without a request
    scheduler.advanceMillis(1_999);
    assertThat(engine.peek("maintenance").state()).isEqualTo(BreakerState.FORCED_OPEN);
    scheduler.advanceMillis(1);

    // Then it went half-open at its time, and the operation had returned its own transition
    assertThat(forced.transitions()).extracting(Transition::reason).containsExactly("forced_open");
    assertThat(heardBy("first")).containsExactly("maintenance forced_open +0", "maintenance forced_open_elapsed +2000");
    assertThat(engine.peek("maintenance").state()).isEqualTo(BreakerState.HALF_OPEN);
  }

  @Test
  void aBreakerRestoredAtDeployIsTimedWithoutAnyRequest() {
    // Given a stored breaker forced open for another 300 ms
    engine.registry().restore(List.of(forcedOpenUntil("restored", start + 300, 7)));

    // When 300 ms pass
    assertThat(engine.armedDeadline()).isEqualTo(start + 300);
    scheduler.advanceMillis(300);

    // Then its forced-open period ended on time
    assertThat(heardBy("first")).containsExactly("restored restored", "restored forced_open_elapsed +300");
  }

  @Test
  void aLateRestoreArmsTheTimerItselfWithoutAnyRequest() {
    // Given an engine already serving, with a later deadline armed
    engine.forceOpen("local", 10_000L);

    // When a late restore brings a breaker whose forced-open period ends sooner
    engine.registry().mergeLate(List.of(forcedOpenUntil("late", start + 400, 3)));
    scheduler.advanceMillis(400);

    // Then it ends on time, and the later deadline is still armed
    assertThat(heardBy("first")).containsExactly("local forced_open +0", "restored late",
        "late forced_open_elapsed +400");
    assertThat(engine.armedDeadline()).isEqualTo(start + 10_000);
  }

  @Test
  void anEarlierDeadlineReArmsTheTimerAndTheLaterOneFollows() {
    engine.forceOpen("long", 5_000L);
    engine.forceOpen("short", 1_000L);
    assertThat(engine.armedDeadline()).isEqualTo(start + 1_000);

    scheduler.advanceMillis(5_000);

    assertThat(heardBy("first")).containsExactly("long forced_open +0", "short forced_open +0",
        "short forced_open_elapsed +1000", "long forced_open_elapsed +5000");
    assertThat(engine.armedDeadline()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void aRecordReturnsTheTransitionsItCausedAndAQuietOneAllocatesNothing() {
    Recorded opening = engine.record("opens", Outcome.FAILURE, null, null);
    Recorded quiet = engine.record("calm", Outcome.SUCCESS, null, null);
    Recorded quietAgain = engine.record("calm", Outcome.SUCCESS, null, null);

    assertThat(opening.state()).isEqualTo(BreakerState.OPEN);
    assertThat(opening.transitions()).singleElement().satisfies(transition -> {
      assertThat(transition.from()).isEqualTo(BreakerState.CLOSED);
      assertThat(transition.to()).isEqualTo(BreakerState.OPEN);
    });
    assertThat(quiet.transitions()).isEmpty();
    assertThat(quietAgain).as("one shared result per state").isSameAs(quiet);
    assertThat(engine.acquire("calm").transitions()).isSameAs(List.of());
  }

  @Test
  void anAcquireReturnsTheTransitionsTimeMadeBeforeItAsWellAsItsOwn() {
    // Given a forced-open period that ended while no timer ran (the engine's timer is stopped)
    engine.forceOpen("untimed", 1_000L);
    engine.close();
    scheduler.advanceMillis(1_000);

    // When a caller asks
    Decision decision = engine.acquire("untimed");

    // Then the decision carries the transition time made before it
    assertThat(decision.permitted()).isTrue();
    assertThat(decision.transitions()).extracting(Transition::reason).containsExactly("forced_open_elapsed");
  }

  @Test
  void listenersHearEveryChangeInTheOrderTheyWereAddedAndALateOneFromThenOn() {
    engine.record("ordered", Outcome.FAILURE, null, null);
    engine.addListener(recorder("third"));

    engine.reset("ordered");

    assertThat(heard).containsExactly("first ordered failure_threshold +0", "second ordered failure_threshold +0",
        "first ordered reset +0", "second ordered reset +0", "third ordered reset +0");
  }

  @Test
  void aListenerThatFailsDoesNotKeepTheOthersFromHearing() {
    BreakerEngine failing = new BreakerEngine(name -> SETTINGS, 10, scheduler, new Permits(start, 1), List.of(
        new BreakerRegistry.Listener() {
          @Override
          public void onTransition(Breaker breaker, Transition transition) {
            throw new IllegalStateException("broken listener");
          }

          @Override
          public void onCounterChange(Breaker breaker) {}
        }, recorder("after")));

    Recorded recorded = failing.record("x", Outcome.FAILURE, null, null);

    assertThat(recorded.state()).isEqualTo(BreakerState.OPEN);
    assertThat(heardBy("after")).containsExactly("x failure_threshold +0");
  }

  @Test
  void optionalCallbacksReachTheListenersThatImplementThem() {
    engine.record("refusing", Outcome.FAILURE, null, null);

    engine.acquire("refusing");

    assertThat(heardBy("second")).containsExactly("refusing failure_threshold +0", "rejected refusing");
  }

  @Test
  void afterCloseNoTimerRuns() {
    engine.forceOpen("closing", 1_000L);

    engine.close();
    scheduler.advanceMillis(5_000);

    assertThat(scheduler.pendingTasks()).isZero();
    assertThat(heardBy("first")).containsExactly("closing forced_open +0");
  }

  @Test
  void twoInstancesStartedInTheSameMillisecondNeverTakeEachOthersTrialPermits() {
    // Given two engines started at the same time, each with a breaker half-open
    BreakerEngine other = new BreakerEngine(name -> SETTINGS, 10, scheduler, List.of());
    BreakerEngine mine = new BreakerEngine(name -> SETTINGS, 10, scheduler, List.of());
    for (BreakerEngine instance : List.of(other, mine)) {
      instance.record("shared", Outcome.FAILURE, null, null);
    }
    scheduler.advanceMillis(1_000);
    String othersPermit = other.permits().text(other.acquire("shared").permit());
    String myPermit = mine.permits().text(mine.acquire("shared").permit());

    // When the other's permit is recorded here
    Long parsed = mine.permits().parse(othersPermit);

    // Then it is not one of this instance's trials, while this instance's own permit is
    assertThat(othersPermit).isNotEqualTo(myPermit);
    assertThat(parsed).isEqualTo(Permits.STALE);
    assertThatThrownBy(() -> mine.record("shared", Outcome.SUCCESS, parsed, null))
        .hasMessageContaining("not a trial");
    assertThat(mine.record("shared", Outcome.SUCCESS, mine.permits().parse(myPermit), null).state())
        .isEqualTo(BreakerState.CLOSED);
  }

  @Test
  void aRejectionDecidedOutsideTheBreakerIsHeardAndChangesNothing() {
    // Given an open breaker whose open time is up: a trial is due
    engine.record("shared", Outcome.FAILURE, null, null);
    scheduler.advanceMillis(1_000);
    assertThat(engine.trialDue("shared")).isTrue();
    assertThat(engine.trialDue("unknown")).isFalse();
    heard.clear();

    // When another instance holds the trial lease and this one rejects
    Decision decision = engine.rejected("shared", 250);

    // Then the rejection says half-open with the lease's time left, the listeners hear it, the breaker stays
    assertThat(decision).isEqualTo(new Decision(false, BreakerState.HALF_OPEN, 0, 250, List.of()));
    assertThat(heardBy("first")).containsExactly("rejected shared");
    assertThat(engine.peek("shared").state()).isEqualTo(BreakerState.OPEN);
    assertThat(engine.trialDue("shared")).isTrue();
  }
}
