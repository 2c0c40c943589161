package io.tripstate.breaker;

/**
 * The calls a breaker's window holds at one moment, as Resilience4j's metrics report them ("buffered" and
 * "slow" calls).
 *
 * @param calls every call in the window
 * @param failures the failed ones
 * @param slowCalls the slow ones, successful or failed
 * @param slowFailures the slow ones that failed
 */
public record WindowCounts(int calls, int failures, int slowCalls, int slowFailures) {

  public int successes() {
    return calls - failures;
  }

  public int slowSuccesses() {
    return slowCalls - slowFailures;
  }
}
