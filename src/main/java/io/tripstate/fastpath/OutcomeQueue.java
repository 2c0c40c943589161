package io.tripstate.fastpath;

import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.Outcome;
import io.tripstate.breaker.PermitRejectedException;
import io.tripstate.engine.BreakerEngine;
import io.tripstate.engine.Scheduler;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.Executor;
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
 * a millisecond. The drain timer runs on the owner's {@link Scheduler}, so tests drive it on virtual time.
 *
 * <p>Closing: every outcome an {@code offer} accepted (returned {@code true} for) is recorded; an offer that
 * meets a closing queue returns {@code false} and takes nothing. A producer checks {@code closed} after it
 * claimed its slot (or added to a run), and the owner reads the tail after it set {@code closed}: one of the two
 * sees the other, so either the owner waits for that slot or the producer takes its outcome back.
 */
public final class OutcomeQueue {
  private static final Logger LOG = System.getLogger(OutcomeQueue.class.getName());
  private static final VarHandle NAMES = MethodHandles.arrayElementVarHandle(String[].class);
  private static final VarHandle VALUES = MethodHandles.arrayElementVarHandle(long[].class);
  // A slot's value: outcome (2 bits) | lap (16) | count (16) | duration ms (30, capped). -1 once drained
  // (its outcome bits, 3, name no outcome). A count of 0 is a slot claimed after the queue closed: void.
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

  private final Executor owner;
  private final Scheduler scheduler;
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
  // Owner only: every slot below this was claimed before the queue closed.
  private long closedAt;
  private final Promise<Void> closing = Promise.promise();
  private final Runnable drainTask = this::drainAndReschedule;

  /**
   * @param owner runs a task on the owner's event loop, from any thread (e.g. {@code Context.runOnContext})
   * @param scheduler the owner's time and timers
   * @param capacity rounded up to a power of two
   */
  public OutcomeQueue(Executor owner, Scheduler scheduler, int capacity, Sink sink) {
    this.owner = owner;
    this.scheduler = scheduler;
    this.sink = sink;
    this.capacity = Integer.highestOneBit(Math.max(2, capacity) * 2 - 1);
    this.mask = this.capacity - 1;
    this.lapShift = Integer.numberOfTrailingZeros(this.capacity);
    this.names = new String[this.capacity];
    this.packed = new long[this.capacity];
  }

  /**
   * A queue whose outcomes are recorded through an engine (with the untracked permit: they come from calls the
   * fast path permitted in {@code closed}). An outcome that arrives after its breaker left {@code closed} is
   * refused by the breaker, as a late plain {@code record} would be, and logged at DEBUG.
   */
  public static OutcomeQueue intoEngine(Executor owner, int capacity, BreakerEngine engine) {
    return new OutcomeQueue(owner, engine.scheduler(), capacity, engineSink(engine));
  }

  /** The sink of {@link #intoEngine}, for a queue that passes its outcomes through another sink first. */
  public static Sink engineSink(BreakerEngine engine) {
    return (name, outcome, durationMs, count, nowMs) -> {
      try {
        // Under a millisecond no call is slow (slowCallDurationMs >= 1): no boxed duration needed.
        engine.recordRun(name, outcome, UNTRACKED, durationMs == 0 ? null : (double) durationMs, count, nowMs);
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
      return !closed || keptByOwner(slot - 1);
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
    if (closed) {
      // Closed after the claim: the owner may be waiting for this slot, so fill it, with nothing in it.
      VALUES.setRelease(packed, i, lap(slot) << LAP_SHIFT | outcome.ordinal());
      NAMES.setRelease(names, i, name);
      return false;
    }
    long duration = Math.min(Math.max(0, durationMs), MAX_DURATION_MS);
    VALUES.setRelease(packed, i, duration << DURATION_SHIFT | COUNT_ONE | lap(slot) << LAP_SHIFT | outcome.ordinal());
    NAMES.setRelease(names, i, name);
    if (!drainScheduled.get() && drainScheduled.compareAndSet(false, true)) {
      owner.execute(drainTask);
    }
    return true;
  }

  /**
   * The queue closed while this producer added one to a run: takes it back, unless the owner already took the
   * slot with it. Returns whether the outcome stays (then it was recorded).
   */
  private boolean keptByOwner(long slot) {
    int i = (int) slot & mask;
    long lap = lap(slot) << LAP_SHIFT;
    while (true) {
      long value = (long) VALUES.getVolatile(packed, i);
      if (value == TAKEN || (value & LAP_MASK << LAP_SHIFT) != lap) {
        return true;
      }
      if (VALUES.compareAndSet(packed, i, value, value - COUNT_ONE)) {
        return false;
      }
    }
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
   * Owner only, when it stops: takes nothing more (offers then return {@code false}, so callers fall back to
   * the event bus, where a stopped owner answers nothing) and records every outcome already accepted.
   * Completes when the last one was recorded: at once, unless a producer is between claiming a slot and
   * writing it (then within a few timer ticks).
   */
  public Future<Void> close() {
    if (!closed) {
      closed = true;
      closedAt = tail.get(); // read after the write of closed: see the class comment
      finishClosing();
    }
    return closing.future();
  }

  private void finishClosing() {
    drain();
    if (head >= closedAt) {
      closing.tryComplete();
    } else {
      scheduler.schedule(DRAIN_INTERVAL_MS, this::finishClosing);
    }
  }

  /** Owner only: records every outcome published so far; returns how many slots it took. */
  private int drain() {
    long h = head;
    long end = tail.get();
    if (h == end) {
      return 0;
    }
    long nowMs = scheduler.nowMs();
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
      int count = (int) (value >>> COUNT_SHIFT & MAX_COUNT);
      if (count == 0) {
        continue; // void: claimed or taken back after the queue closed
      }
      try {
        sink.record(name, OUTCOMES[(int) (value & 3)], value >>> DURATION_SHIFT, count, nowMs);
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
      owner.execute(drainTask);
    } else if (drained > 0 || tail.get() != head) {
      scheduler.schedule(DRAIN_INTERVAL_MS, drainTask);
    } else {
      drainScheduled.set(false);
      // An outcome offered while the flag was still set found no one to wake: wake up for it.
      if (tail.get() != head && drainScheduled.compareAndSet(false, true)) {
        owner.execute(drainTask);
      }
    }
  }
}
