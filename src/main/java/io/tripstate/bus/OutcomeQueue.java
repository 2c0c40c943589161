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
 * <p>Runs: an outcome without a duration that repeats the newest queued one (same breaker, same outcome, not
 * yet drained) only raises that slot's count, so a steady stream of successes costs the owner one slot per
 * drain instead of one per call. Each slot's value carries the lap of the ring it was written in, so a
 * producer that was held up while the ring went round once cannot add to a slot that was reused meanwhile.
 *
 * <p>Draining: the first outcome after a quiet spell wakes the owner at once; while outcomes keep coming the
 * owner drains every {@link #DRAIN_INTERVAL_MS} ms (at once again when the ring was half full), so a busy
 * caller does not wake the owner's event loop for every call. An outcome thus reaches the breaker within about
 * a millisecond.
 */
public final class OutcomeQueue {
  private static final Logger LOG = System.getLogger(OutcomeQueue.class.getName());
  private static final VarHandle NAMES = MethodHandles.arrayElementVarHandle(String[].class);
  private static final VarHandle VALUES = MethodHandles.arrayElementVarHandle(long[].class);
  // A slot's value: outcome (2 bits) | lap (16) | count (16) | duration ms (30, capped). -1 once drained
  // (its outcome bits, 3, name no outcome).
  private static final int LAP_SHIFT = 2;
  private static final int COUNT_SHIFT = 18;
  private static final int DURATION_SHIFT = 34;
  private static final long LAP_MASK = 0xFFFF;
  private static final long COUNT_ONE = 1L << COUNT_SHIFT;
  private static final long MAX_COUNT = 0xFFFF;
  private static final long MAX_DURATION_MS = (1L << 30) - 1;
  private static final long TAKEN = -1;
  private static final Outcome[] OUTCOMES = Outcome.values();
  private static final Long UNTRACKED = Breaker.UNTRACKED_PERMIT;
  /** How often a busy queue is drained. */
  static final long DRAIN_INTERVAL_MS = 1;

  /** Where drained outcomes go; called on the owner's event loop only. */
  public interface Sink {
    /**
     * @param count how many calls in a row ended so (more than 1 only for outcomes without a duration)
     * @param nowMs the owner's time when the drain began: an outcome counts when it arrives
     */
    void record(String name, Outcome outcome, long durationMs, int count, long nowMs);
  }

  private final Context owner;
  private final Clock clock;
  private final Sink sink;
  private final int capacity;
  private final int mask;
  private final int lapShift;
  // Slot i holds the name (published last, with release semantics) and its value, packed as described above.
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
    this.lapShift = Integer.numberOfTrailingZeros(this.capacity);
    this.names = new String[this.capacity];
    this.packed = new long[this.capacity];
  }

  /**
   * A queue whose outcomes are recorded into a registry (with the untracked permit: they come from calls the
   * fast path permitted in {@code closed}). An outcome that arrives after its breaker left {@code closed} is
   * refused by the breaker, as a late plain {@code record} would be, and logged at DEBUG.
   */
  public static OutcomeQueue intoRegistry(Context owner, int capacity, BreakerRegistry registry, Clock clock) {
    return new OutcomeQueue(owner, clock, capacity, registrySink(registry));
  }

  /** The sink of {@link #intoRegistry}, for a queue that passes its outcomes through another sink first. */
  public static Sink registrySink(BreakerRegistry registry) {
    return (name, outcome, durationMs, count, nowMs) -> {
      try {
        // Under a millisecond no call is slow (slowCallDurationMs >= 1): no boxed duration needed.
        registry.recordRun(name, outcome, UNTRACKED, durationMs == 0 ? null : (double) durationMs, count, nowMs);
      } catch (PermitRejectedException | BreakerRegistry.LimitExceededException e) {
        LOG.log(Level.DEBUG, "A fast-path outcome was refused: {0}", e.getMessage());
      }
    };
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
    long slot = tail.get();
    if (durationMs <= 0 && slot > head && addToRun(slot - 1, name, outcome)) {
      return true;
    }
    while (true) {
      if (slot - head >= capacity) {
        return false;
      }
      if (tail.compareAndSet(slot, slot + 1)) {
        break;
      }
      slot = tail.get();
    }
    int i = (int) slot & mask;
    long duration = Math.min(Math.max(0, durationMs), MAX_DURATION_MS);
    VALUES.setRelease(packed, i, duration << DURATION_SHIFT | COUNT_ONE | lap(slot) << LAP_SHIFT | outcome.ordinal());
    NAMES.setRelease(names, i, name);
    if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
      owner.runOnContext(v -> drainAndReschedule());
    }
    return true;
  }

  /** Counts one more of the newest slot's outcome, when it is this one and the owner has not taken it yet. */
  private boolean addToRun(long slot, String name, Outcome outcome) {
    int i = (int) slot & mask;
    Object newest = NAMES.getAcquire(names, i);
    if (newest != name && (newest == null || !newest.equals(name))) {
      return false;
    }
    long value = (long) VALUES.getVolatile(packed, i);
    long same = lap(slot) << LAP_SHIFT | outcome.ordinal(); // also rules out TAKEN, whose outcome bits are 3
    if ((value & (LAP_MASK << LAP_SHIFT | 3)) != same || value >>> DURATION_SHIFT != 0
        || (value >>> COUNT_SHIFT & MAX_COUNT) == MAX_COUNT) {
      return false;
    }
    return VALUES.compareAndSet(packed, i, value, value + COUNT_ONE);
  }

  private long lap(long slot) {
    return slot >>> lapShift & LAP_MASK;
  }

  /**
   * Owner only, when it stops: records what is queued and takes nothing more (offers then return
   * {@code false}, so callers fall back to the event bus, where a stopped owner answers nothing).
   */
  public void close() {
    closed = true;
    drain();
  }

  /** Owner only: records every outcome published so far; returns how many slots it took. */
  private int drain() {
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
      long value = (long) VALUES.getAndSet(packed, i, TAKEN); // from now on no producer adds to this slot
      names[i] = null;
      h++;
      drained++;
      try {
        sink.record(name, OUTCOMES[(int) (value & 3)], value >>> DURATION_SHIFT,
            (int) (value >>> COUNT_SHIFT & MAX_COUNT), nowMs);
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
