package io.tripstate.support;

import io.vertx.core.Context;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Measures how late an event loop runs its timers: a timer every {@code periodMs} on the given context
 * records how long after its due time it fired. A loop blocked for 300 ms shows a worst lag of about 300 ms;
 * a healthy, idle one a few milliseconds. GC pauses stop every thread and show too, and on a small machine so
 * does first-use class loading and a load generator that keeps every core busy.
 *
 * <p>Each firing arms the next one-shot timer, so the figure does not depend on how a periodic timer
 * catches up after a stall. Start it on the context of the verticle under test (e.g. from an overridden
 * {@code init(Vertx, Context)}): it measures that event loop only, not the others of the Vert.x instance.
 */
public final class EventLoopProbe implements AutoCloseable {
  public static final long DEFAULT_PERIOD_MS = 5;

  private final Context context;
  private final long periodMs;
  private final AtomicLong worstNanos = new AtomicLong();
  private final AtomicLong phaseWorstNanos = new AtomicLong();
  private final AtomicLong samples = new AtomicLong();
  private final AtomicLong over50Ms = new AtomicLong();
  private volatile long worstAtMillis;
  private volatile boolean closed;
  private volatile long timerId = -1;

  private EventLoopProbe(Context context, long periodMs) {
    this.context = context;
    this.periodMs = periodMs;
  }

  /** Starts a probe with a 5 ms period on {@code context}'s event loop. */
  public static EventLoopProbe start(Context context) {
    return start(context, DEFAULT_PERIOD_MS);
  }

  public static EventLoopProbe start(Context context, long periodMs) {
    EventLoopProbe probe = new EventLoopProbe(context, periodMs);
    context.runOnContext(v -> probe.arm());
    return probe;
  }

  /** The worst delay seen so far between a timer's due time and its firing, in milliseconds. */
  public double worstLagMs() {
    return worstNanos.get() / 1e6;
  }

  /**
   * The worst lag since the previous call (or the start), in milliseconds; starts a new phase. Tells e.g. the
   * deployment's one-off class loading apart from the fault under test.
   */
  public double endPhase() {
    return phaseWorstNanos.getAndSet(0) / 1e6;
  }

  /** How many timers fired. */
  public long samples() {
    return samples.get();
  }

  /** E.g. {@code worst event-loop lag 3.2 ms at 10:15:02.113 over 1480 samples (0 over 50 ms)}. */
  public String summary() {
    return String.format("worst event-loop lag %.1f ms at %s over %d samples (%d over 50 ms)", worstLagMs(),
        LocalTime.ofInstant(Instant.ofEpochMilli(worstAtMillis), ZoneId.systemDefault()), samples(), over50Ms.get());
  }

  /** Stops the timer; the figures stay readable. */
  @Override
  public void close() {
    closed = true;
    context.runOnContext(v -> context.owner().cancelTimer(timerId));
  }

  private void arm() {
    if (closed) {
      return;
    }
    long due = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(periodMs);
    // Called on the context, so the timer belongs to it and fires on its event loop.
    timerId = context.owner().setTimer(periodMs, id -> {
      long lag = Math.max(0, System.nanoTime() - due);
      if (lag > worstNanos.get()) {
        worstNanos.set(lag);
        worstAtMillis = System.currentTimeMillis();
      }
      phaseWorstNanos.accumulateAndGet(lag, Math::max);
      samples.incrementAndGet();
      if (lag > TimeUnit.MILLISECONDS.toNanos(50)) {
        over50Ms.incrementAndGet();
      }
      arm();
    });
  }
}
