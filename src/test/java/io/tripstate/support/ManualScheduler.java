package io.tripstate.support;

import io.tripstate.engine.Scheduler;
import java.util.PriorityQueue;

/**
 * A {@link Scheduler} on virtual time for logic tests: nothing runs until the test calls
 * {@link #advanceMillis(long)} (or {@link #runDue()}), which runs every task that falls due, in time order,
 * on the test's thread. Not thread-safe: drive it from one thread.
 */
public final class ManualScheduler implements Scheduler {
  private record Task(long at, long id, Runnable run) {}

  private final PriorityQueue<Task> tasks = new PriorityQueue<>((a, b) ->
      a.at != b.at ? Long.compare(a.at, b.at) : Long.compare(a.id, b.id));
  private long nowMs;
  private long nextId;

  public ManualScheduler(long startMs) {
    this.nowMs = startMs;
  }

  /** A scheduler starting at a fixed, recognisable time (2026-01-01T00:00:00Z). */
  public static ManualScheduler atEpoch2026() {
    return new ManualScheduler(1_767_225_600_000L);
  }

  @Override
  public long nowMs() {
    return nowMs;
  }

  @Override
  public long nanoTime() {
    return nowMs * 1_000_000L;
  }

  @Override
  public long schedule(long delayMs, Runnable task) {
    long id = nextId++;
    tasks.add(new Task(nowMs + Math.max(1, delayMs), id, task));
    return id;
  }

  @Override
  public boolean cancel(long id) {
    return tasks.removeIf(task -> task.id == id);
  }

  /** Moves time forward, running each task when its time comes (tasks may schedule more). */
  public void advanceMillis(long deltaMs) {
    long until = nowMs + deltaMs;
    while (!tasks.isEmpty() && tasks.peek().at <= until) {
      Task task = tasks.poll();
      nowMs = Math.max(nowMs, task.at);
      task.run.run();
    }
    nowMs = until;
  }

  /** Runs what is due now without moving time. */
  public void runDue() {
    advanceMillis(0);
  }

  /** Tasks waiting to run. */
  public int pendingTasks() {
    return tasks.size();
  }

  /** When the next task runs, or {@code Long.MAX_VALUE}. */
  public long nextTaskAt() {
    return tasks.isEmpty() ? Long.MAX_VALUE : tasks.peek().at;
  }
}
