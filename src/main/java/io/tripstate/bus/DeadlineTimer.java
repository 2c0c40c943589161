package io.tripstate.bus;

import io.tripstate.breaker.BreakerRegistry;
import io.vertx.core.Vertx;
import java.time.Clock;

/**
 * One Vert.x timer for the earliest deadline of the registry (an expiring trial, the end of a forced-open
 * period), so that time-driven transitions happen when their time is up, not only at the next request.
 * Runs on the verticle's event loop, like the registry.
 */
final class DeadlineTimer {
  private final Vertx vertx;
  private final BreakerRegistry registry;
  private final Clock clock;
  private long armedFor = Long.MAX_VALUE;
  private long timerId = -1;
  private boolean closed;

  DeadlineTimer(Vertx vertx, BreakerRegistry registry, Clock clock) {
    this.vertx = vertx;
    this.registry = registry;
    this.clock = clock;
  }

  /** Arms the timer for the registry's earliest deadline, if it is earlier than the one armed. */
  public void rearm() {
    long next = registry.nextDeadline();
    if (closed || next >= armedFor) {
      return;
    }
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
    armedFor = next;
    timerId = vertx.setTimer(Math.max(1, next - clock.millis()), id -> fire());
  }

  public void close() {
    closed = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }

  private void fire() {
    timerId = -1;
    armedFor = Long.MAX_VALUE;
    registry.advance(clock.millis());
    rearm();
  }
}
