package io.tripstate.history;

import static io.tripstate.breaker.BreakerState.CLOSED;
import static io.tripstate.breaker.BreakerState.OPEN;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.breaker.Transition;
import io.tripstate.config.HistoryConfig;
import io.tripstate.support.ManualScheduler;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The history kept in memory when persistence is off: capped, newest first, expiring like the stream. */
class MemoryTransitionHistoryTest {
  private final ManualScheduler scheduler = ManualScheduler.atEpoch2026();

  private Transition transition(String name, long version) {
    return new Transition(name, version % 2 == 1 ? CLOSED : OPEN, version % 2 == 1 ? OPEN : CLOSED,
        scheduler.nowMs(), version % 2 == 1 ? "failure_threshold" : "reset", version);
  }

  private static List<Long> versions(MemoryTransitionHistory history, String name, int limit) {
    return history.latest(name, limit).result().stream().map(Transition::version).toList();
  }

  @Test
  void keepsTheLastMaxEntriesTransitionsOfEachBreakerNewestFirst() {
    // Given a history of 3 entries per breaker
    MemoryTransitionHistory history = new MemoryTransitionHistory(new HistoryConfig(3, 0), scheduler);

    // When one breaker makes 5 transitions and another 1
    for (long version = 1; version <= 5; version++) {
      history.append(transition("payments", version));
      scheduler.advanceMillis(10);
    }
    history.append(transition("search", 1));

    // Then each keeps its own newest entries, newest first, and the limit cuts the list
    assertThat(versions(history, "payments", 100)).containsExactly(5L, 4L, 3L);
    assertThat(versions(history, "payments", 2)).containsExactly(5L, 4L);
    assertThat(versions(history, "search", 100)).containsExactly(1L);
    assertThat(versions(history, "nobody", 100)).isEmpty();
  }

  @Test
  void aHistoryExpiresTtlSecondsAfterItsLastTransition() {
    // Given a history that expires 60 s after its last entry, with an entry at t and one at t + 30 s
    MemoryTransitionHistory history = new MemoryTransitionHistory(new HistoryConfig(10, 60), scheduler);
    history.append(transition("payments", 1));
    scheduler.advanceMillis(30_000);
    history.append(transition("payments", 2));

    // When 59.999 s pass after the last entry, then one more millisecond
    scheduler.advanceMillis(59_999);
    List<Long> beforeExpiry = versions(history, "payments", 10);
    scheduler.advanceMillis(1);

    // Then it is whole until then, and gone after; a new transition starts a new history
    assertThat(beforeExpiry).containsExactly(2L, 1L);
    assertThat(versions(history, "payments", 10)).isEmpty();
    history.append(transition("payments", 3));
    assertThat(versions(history, "payments", 10)).containsExactly(3L);
  }

  @Test
  void aTtlOfZeroNeverExpires() {
    // Given a history without expiry
    MemoryTransitionHistory history = new MemoryTransitionHistory(new HistoryConfig(10, 0), scheduler);
    history.append(transition("payments", 1));

    // When a year passes
    scheduler.advanceMillis(365L * 86_400_000);

    // Then the entry is still there
    assertThat(versions(history, "payments", 10)).containsExactly(1L);
  }
}
