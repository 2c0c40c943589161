package io.tripstate.breaker;

import java.util.ArrayList;
import java.util.List;

/**
 * The calls of the last {@code size} seconds, in one bucket per second with running totals. Moving time
 * forward clears the buckets it passes: at most {@code size} of them, and each only once per second.
 *
 * <p>Slow failures (for metrics) are not persisted: the seconds of a restored window count none of them.
 */
final class TimeWindow implements OutcomeWindow {
  private final int size;
  private final long[] second;
  private final int[] calls;
  private final int[] failures;
  private final int[] slowCalls;
  private final int[] slowFailures;
  private long current = Long.MIN_VALUE;
  private int totalCalls;
  private int totalFailures;
  private int totalSlow;
  private int totalSlowFailures;

  TimeWindow(int size) {
    this.size = size;
    second = new long[size];
    calls = new int[size];
    failures = new int[size];
    slowCalls = new int[size];
    slowFailures = new int[size];
    java.util.Arrays.fill(second, Long.MIN_VALUE);
  }

  @Override
  public void record(boolean failure, boolean slow, long nowMs) {
    advance(Math.floorDiv(nowMs, 1000L));
    int index = index(current);
    second[index] = current;
    calls[index]++;
    totalCalls++;
    if (failure) {
      failures[index]++;
      totalFailures++;
    }
    if (slow) {
      slowCalls[index]++;
      totalSlow++;
    }
    if (slow && failure) {
      slowFailures[index]++;
      totalSlowFailures++;
    }
  }

  @Override
  public int calls(long nowMs) {
    advance(Math.floorDiv(nowMs, 1000L));
    return totalCalls;
  }

  @Override
  public int failures(long nowMs) {
    advance(Math.floorDiv(nowMs, 1000L));
    return totalFailures;
  }

  @Override
  public int slowCalls(long nowMs) {
    advance(Math.floorDiv(nowMs, 1000L));
    return totalSlow;
  }

  @Override
  public int slowFailures(long nowMs) {
    advance(Math.floorDiv(nowMs, 1000L));
    return totalSlowFailures;
  }

  @Override
  public void clear() {
    for (int i = 0; i < size; i++) {
      evict(i);
    }
    current = Long.MIN_VALUE;
  }

  @Override
  public WindowState state() {
    List<long[]> buckets = new ArrayList<>();
    for (long s = current - size + 1; s <= current && current != Long.MIN_VALUE; s++) {
      int i = index(s);
      if (second[i] == s && calls[i] > 0) {
        buckets.add(new long[] {s, calls[i], failures[i], slowCalls[i]});
      }
    }
    return new WindowState(WindowType.TIME, size, "", buckets);
  }

  @Override
  public void load(WindowState state) {
    clear();
    long newest = Long.MIN_VALUE;
    for (long[] bucket : state.buckets()) {
      newest = Math.max(newest, bucket[0]);
    }
    if (newest == Long.MIN_VALUE) {
      return;
    }
    current = newest;
    for (long[] bucket : state.buckets()) {
      if (bucket[0] > newest - size) {
        int i = index(bucket[0]);
        evict(i);
        second[i] = bucket[0];
        calls[i] = (int) bucket[1];
        failures[i] = (int) bucket[2];
        slowCalls[i] = (int) bucket[3];
        totalCalls += calls[i];
        totalFailures += failures[i];
        totalSlow += slowCalls[i];
      }
    }
  }

  /** Moves the window's end to {@code now} (epoch seconds), clearing every bucket that falls out. */
  private void advance(long now) {
    if (now <= current) {
      return;
    }
    if (current == Long.MIN_VALUE || now - current >= size) {
      for (int i = 0; i < size; i++) {
        evict(i);
      }
    } else {
      for (long s = current + 1; s <= now; s++) {
        evict(index(s));
      }
    }
    current = now;
  }

  private void evict(int i) {
    totalCalls -= calls[i];
    totalFailures -= failures[i];
    totalSlow -= slowCalls[i];
    totalSlowFailures -= slowFailures[i];
    calls[i] = 0;
    failures[i] = 0;
    slowCalls[i] = 0;
    slowFailures[i] = 0;
    second[i] = Long.MIN_VALUE;
  }

  private int index(long epochSecond) {
    return (int) Math.floorMod(epochSecond, (long) size);
  }
}
