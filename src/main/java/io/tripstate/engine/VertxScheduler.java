package io.tripstate.engine;

import io.vertx.core.Vertx;
import java.time.Clock;

/**
 * The production {@link Scheduler}: Vert.x timers, which run on the context that set them (call
 * {@link #schedule} from the owner's event loop), and a {@link Clock} for wall-clock time.
 */
public final class VertxScheduler implements Scheduler {
  private final Vertx vertx;
  private final Clock clock;

  public VertxScheduler(Vertx vertx, Clock clock) {
    this.vertx = vertx;
    this.clock = clock;
  }

  @Override
  public long nowMs() {
    return clock.millis();
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public long schedule(long delayMs, Runnable task) {
    return vertx.setTimer(Math.max(1, delayMs), id -> task.run());
  }

  @Override
  public boolean cancel(long id) {
    return id >= 0 && vertx.cancelTimer(id);
  }
}
