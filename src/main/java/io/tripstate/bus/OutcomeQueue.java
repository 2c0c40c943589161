package io.tripstate.bus;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.Outcome;
import io.tripstate.breaker.PermitRejectedException;
import io.vertx.core.Context;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The way back of fast-path outcomes: any thread offers an outcome without waiting, and the owner drains them
 * on its event loop, in batches, in the order each thread offered them. A bounded ring of primitive slots, so
 * an outcome costs one compare-and-set and no allocation; when the ring is full, {@link #offer} says so and
 * the caller goes through the event bus instead (the back-pressure of the fast path).
 *
 * <p>Draining: the first outcome after a quiet spell wakes the owner at once; while outcomes keep coming the
 * owner drains every {@link #DRAIN_INTERVAL_MS} ms (at once again when the ring was half full), so a busy
 * caller does not wake the owner's event loop for every call. An outcome thus reaches the breaker within about
 * a millisecond.
 */
public final class OutcomeQueue {
  private static final Logger LOG = System.getLogger(OutcomeQueue.class.getName());
  private static final VarHandle NAMES = MethodHandles.arrayElementVarHandle(String[].class);
  private static final Outcome[] OUTCOMES = Outcome.values();
  private static final Long UNTRACKED = Breaker.UNTRACKED_PERMIT;
  /** How often a busy queue is drained. */
  static final long DRAIN_INTERVAL_MS = 1;

  /** Where drained outcomes go; called on the owner's event loop only. */
  public interface Sink {
    /** @param nowMs the owner's time when the drain began: an outcome counts when it arrives */
    void record(String name, Outcome outcome, long durationMs, long nowMs);
  }

  private final Context owner;
  private final Clock clock;
  private final Sink sink;
  private final int capacity;
  private final int mask;
  // Slot i holds the name (published last, with release semantics) and the outcome plus duration, packed.
  private final String[] names;
  private final long[] packed;
  private final AtomicLong tail = new AtomicLong();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  // Written by the owner only; volatile so that producers see freed slots.
  private volatile long head;
  private volatile boolean closed;

  /** @param capacity rounded up to a power of two */
  public OutcomeQueue(Context owner, Clock clock, int capacity, Sink sink) {
    this.owner = owner;
    this.clock = clock;
    this.sink = sink;
    this.capacity = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1);
    this.mask = this.capacity - 1;
    this.names = new String[this.capacity];
    this.packed = new long[this.capacity];
  }

  /**
   * A queue whose outcomes are recorded into a registry (with the untracked permit: they come from calls the
   * fast path permitted in {@code closed}). An outcome that arrives after its breaker left {@code closed} is
   * refused by the breaker, as a late plain {@code record} would be, and logged at DEBUG.
   */
  public static OutcomeQueue intoRegistry(Context owner, int capacity, BreakerRegistry registry, Clock clock) {
    return new OutcomeQueue(owner, clock, capacity, (name, outcome, durationMs, nowMs) -> {
      try {
        // Under a millisecond no call is slow (slowCallDurationMs >= 1): no boxed duration needed.
        registry.record(name, outcome, UNTRACKED, durationMs == 0 ? null : (double) durationMs, nowMs);
      } catch (PermitRejectedException | BreakerRegistry.LimitExceededException e) {
        LOG.log(Level.DEBUG, "A fast-path outcome was refused: {0}", e.getMessage());
      }
    });
  }

  public int capacity() {
    return capacity;
  }

  /** Whether an offer would likely succeed now (a hint: other threads may fill the ring meanwhile). */
  public boolean hasRoom() {
    return tail.get() - head < capacity;
  }

  /**
   * Queues an outcome for the owner; safe from any thread, never blocks.
   *
   * @return {@code false} when the ring is full or closed: the outcome was not taken
   */
  public boolean offer(String name, Outcome outcome, long durationMs) {
    if (closed) {
      return false;
    }
    long slot;
    do {
      slot = tail.get();
      if (slot - head >= capacity) {
        return false;
      }
    } while (!tail.compareAndSet(slot, slot + 1));
    int i = (int) slot & mask;
    packed[i] = Math.max(0, durationMs) << 2 | outcome.ordinal();
    NAMES.setRelease(names, i, name);
    if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
      owner.runOnContext(v -> drainAndReschedule());
    }
    return true;
  }

  /**
   * Owner only, when it stops: records what is queued and takes nothing more (offers then return
   * {@code false}, so callers fall back to the event bus, where a stopped owner answers nothing).
   */
  public void close() {
    closed = true;
    drain();
  }

  /** Owner only: records every outcome published so far; returns how many. */
  public int drain() {
    long h = head;
    long end = tail.get();
    if (h == end) {
      return 0;
    }
    long nowMs = clock.millis();
    int drained = 0;
    while (h < end) {
      int i = (int) h & mask;
      String name = (String) NAMES.getAcquire(names, i);
      if (name == null) {
        break; // claimed by a producer that has not written it yet: the next drain takes it
      }
      long value = packed[i];
      names[i] = null;
      h++;
      drained++;
      try {
        sink.record(name, OUTCOMES[(int) (value & 3)], value >>> 2, nowMs);
      } catch (RuntimeException e) {
        LOG.log(Level.ERROR, "Recording a fast-path outcome of breaker ''" + name + "'' failed", e);
      }
    }
    head = h; // one volatile write per drain: it frees the drained slots for the producers
    return drained;
  }

  private void drainAndReschedule() {
    if (closed) {
      return;
    }
    int drained = drain();
    if (drained >= capacity / 2) {
      owner.runOnContext(v -> drainAndReschedule());
    } else if (drained > 0 || tail.get() != head) {
      owner.owner().setTimer(DRAIN_INTERVAL_MS, id -> drainAndReschedule());
    } else {
      drainScheduled.set(false);
      // An outcome offered while the flag was still set found no one to wake: wake up for it.
      if (tail.get() != head && drainScheduled.compareAndSet(false, true)) {
        owner.runOnContext(v -> drainAndReschedule());
      }
    }
  }
}
