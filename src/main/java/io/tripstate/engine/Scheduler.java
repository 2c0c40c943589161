package io.tripstate.engine;

/**
 * Time and one-shot timers for the logic that runs on the owner's event loop (breaker deadlines, write
 * retries, flushes, probes). Injected, so that tests drive time by hand ({@code ManualScheduler} in the test
 * sources) and never sleep; in production {@link VertxScheduler} uses Vert.x timers on the caller's context.
 *
 * <p>Tasks run on the owner's thread, one at a time, never inside {@link #schedule}.
 */
public interface Scheduler {

  /** Wall-clock time, epoch milliseconds (what snapshots store). */
  long nowMs();

  /** Monotonic time in nanoseconds, for measuring durations only. */
  long nanoTime();

  /**
   * Runs {@code task} once after {@code delayMs} (at least 1 ms).
   *
   * @return an id for {@link #cancel(long)}, never negative
   */
  long schedule(long delayMs, Runnable task);

  /** Cancels a task that has not run yet; true when it was cancelled. Unknown or negative ids are ignored. */
  boolean cancel(long id);
}
