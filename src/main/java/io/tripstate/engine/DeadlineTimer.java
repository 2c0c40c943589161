package io.tripstate.engine;

/**
 * One scheduler task for the earliest deadline of the breakers (an expiring trial, the end of a forced-open
 * period), so that time-driven transitions happen when their time is up, not only at the next request.
 * Engine-internal: the engine re-arms it after every change it makes or hears of; no one else does.
 */
final class DeadlineTimer {
  private final Scheduler scheduler;
  private final Runnable onDue;
  private long armedFor = Long.MAX_VALUE;
  private long taskId = -1;
  private boolean closed;

  /** @param onDue runs when the armed deadline is reached; it applies the deadlines and re-arms */
  DeadlineTimer(Scheduler scheduler, Runnable onDue) {
    this.scheduler = scheduler;
    this.onDue = onDue;
  }

  /** Arms the timer for {@code atMs} when that is earlier than the deadline armed; {@code Long.MAX_VALUE}: none. */
  void armFor(long atMs) {
    if (closed || atMs >= armedFor) {
      return;
    }
    scheduler.cancel(taskId);
    armedFor = atMs;
    taskId = scheduler.schedule(atMs - scheduler.nowMs(), this::fire);
  }

  /** The deadline armed, epoch ms; {@code Long.MAX_VALUE} for none. */
  long armedFor() {
    return armedFor;
  }

  void close() {
    closed = true;
    scheduler.cancel(taskId);
    taskId = -1;
    armedFor = Long.MAX_VALUE;
  }

  private void fire() {
    taskId = -1;
    armedFor = Long.MAX_VALUE;
    onDue.run();
  }
}
