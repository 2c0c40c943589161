package io.tripstate.history;

import static io.tripstate.breaker.BreakerState.CLOSED;
import static io.tripstate.breaker.BreakerState.OPEN;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.breaker.Transition;
import io.tripstate.support.CapturedLogs;
import io.tripstate.support.ManualScheduler;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;

/** Every transition goes to the history at once; failures are logged, never thrown at the caller. */
class HistoryRecorderTest {
  private final ManualScheduler scheduler = ManualScheduler.atEpoch2026();
  private final List<Promise<Void>> appends = new ArrayList<>();
  private final List<Transition> appended = new ArrayList<>();
  @AutoClose
  private final CapturedLogs logs = CapturedLogs.of(HistoryRecorder.class, java.util.logging.Level.INFO);

  /** A history whose appends complete when the test says so. */
  private final TransitionHistory history = new TransitionHistory() {
    @Override
    public Future<Void> append(Transition transition) {
      appended.add(transition);
      Promise<Void> promise = Promise.promise();
      appends.add(promise);
      return promise.future();
    }

    @Override
    public Future<List<Transition>> latest(String name, int limit) {
      throw new UnsupportedOperationException();
    }

    @Override
    public String key(String name) {
      return "test:" + name + ":history";
    }
  };
  private final HistoryRecorder recorder = new HistoryRecorder(history, scheduler);

  private Transition transition(String name) {
    return new Transition(name, CLOSED, OPEN, scheduler.nowMs(), "failure_threshold", appended.size() + 1);
  }

  @Test
  void eachTransitionIsAppendedAtOnceWithoutWaitingForTheOneBefore() {
    // When two transitions happen while the first append is still pending
    recorder.onTransition(null, transition("payments"));
    recorder.onTransition(null, transition("payments"));

    // Then both were handed to the history at once, in order
    assertThat(appended).extracting(Transition::version).containsExactly(1L, 2L);
    assertThat(appends.get(0).future().isComplete()).isFalse();
  }

  @Test
  void aFailedAppendIsWarnedNamingTheBreakerAndTheKeyThenOnceAMinuteWithTheCountLost() {
    // Given appends that fail
    recorder.onTransition(null, transition("payments"));
    appends.get(0).fail("WRONGTYPE Operation against a key holding the wrong kind of value");

    // When more fail within the minute, and one after it
    for (int i = 0; i < 3; i++) {
      recorder.onTransition(null, transition("search"));
      appends.get(appends.size() - 1).fail("timeout");
    }
    scheduler.advanceMillis(60_000);
    recorder.onTransition(null, transition("search"));
    appends.get(appends.size() - 1).fail("timeout");

    // Then two warnings: the first names breaker and key, the second the ones lost in between
    List<String> warnings = logs.lines().stream().filter(line -> line.startsWith("WARNING")).toList();
    assertThat(warnings).hasSize(2);
    assertThat(warnings.get(0)).contains("'payments'").contains("'test:payments:history'").contains("WRONGTYPE");
    assertThat(warnings.get(1)).contains("'search'").contains("'test:search:history'")
        .contains("3 more were lost since the last warning");
    assertThat(recorder.lost()).isEqualTo(5);
  }

  @Test
  void aSuccessAfterAWarningIsSaidOnceAndAlternatingOutcomesCostTwoLinesAMinute() {
    // Given a failed append
    recorder.onTransition(null, transition("payments"));
    appends.get(0).fail("connection refused");

    // When successes and failures alternate for a minute, then one more failure comes
    for (int i = 0; i < 10; i++) {
      recorder.onTransition(null, transition("payments"));
      appends.get(appends.size() - 1).complete();
      recorder.onTransition(null, transition("payments"));
      appends.get(appends.size() - 1).fail("connection refused");
      scheduler.advanceMillis(5_000);
    }
    scheduler.advanceMillis(10_000);
    recorder.onTransition(null, transition("payments"));
    appends.get(appends.size() - 1).fail("connection refused");

    // Then: a warning, the recovery once, and the next minute's warning with the count in between
    assertThat(logs.lines()).hasSize(3);
    assertThat(logs.lines().get(0)).startsWith("WARNING");
    assertThat(logs.lines().get(1)).startsWith("INFO").contains("again").contains("1 lost");
    assertThat(logs.lines().get(2)).startsWith("WARNING").contains("10 more were lost since the last warning");
    assertThat(recorder.lost()).isEqualTo(12);
  }

  @Test
  void afterCloseNothingIsAppended() {
    // When the recorder is closed and a transition happens
    recorder.close();
    recorder.onTransition(null, transition("payments"));

    // Then the history is not asked
    assertThat(appended).isEmpty();
  }
}
