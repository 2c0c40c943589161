package io.tripstate.support;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;

/**
 * An owner's event loop played by the test: any thread may hand it tasks, which run only when the test calls
 * {@link #runPending()}, on the test's thread, in the order they were handed over. With
 * {@link ManualScheduler} it lets logic that hops onto its owner run on virtual time.
 */
public final class ManualExecutor implements Executor {
  private final Queue<Runnable> tasks = new ConcurrentLinkedQueue<>();

  @Override
  public void execute(Runnable task) {
    tasks.add(task);
  }

  /** Runs every task handed over so far, and those they hand over; returns how many ran. */
  public int runPending() {
    int ran = 0;
    for (Runnable task = tasks.poll(); task != null; task = tasks.poll()) {
      task.run();
      ran++;
    }
    return ran;
  }

  /** Tasks waiting to run. */
  public int pending() {
    return tasks.size();
  }
}
