package io.tripstate.breaker;

import java.util.List;

/** The last {@code size} calls, in a ring of flag bytes with running totals. */
final class CountWindow implements OutcomeWindow {
  private static final byte FAILURE = 1;
  private static final byte SLOW = 2;

  private final byte[] ring;
  private int next;
  private int filled;
  private int failures;
  private int slowCalls;
  private int slowFailures;

  CountWindow(int size) {
    ring = new byte[size];
  }

  @Override
  public void record(boolean failure, boolean slow, long nowMs) {
    if (filled == ring.length) {
      byte evicted = ring[next];
      failures -= evicted & FAILURE;
      slowCalls -= (evicted & SLOW) >> 1;
      slowFailures -= evicted == (FAILURE | SLOW) ? 1 : 0;
    } else {
      filled++;
    }
    byte flags = (byte) ((failure ? FAILURE : 0) | (slow ? SLOW : 0));
    ring[next] = flags;
    failures += flags & FAILURE;
    slowCalls += (flags & SLOW) >> 1;
    slowFailures += flags == (FAILURE | SLOW) ? 1 : 0;
    next = (next + 1) % ring.length;
  }

  @Override
  public int calls(long nowMs) {
    return filled;
  }

  @Override
  public int failures(long nowMs) {
    return failures;
  }

  @Override
  public int slowCalls(long nowMs) {
    return slowCalls;
  }

  @Override
  public int slowFailures(long nowMs) {
    return slowFailures;
  }

  @Override
  public void clear() {
    next = 0;
    filled = 0;
    failures = 0;
    slowCalls = 0;
    slowFailures = 0;
  }

  @Override
  public WindowState state() {
    StringBuilder outcomes = new StringBuilder(filled);
    int start = filled == ring.length ? next : 0;
    for (int i = 0; i < filled; i++) {
      byte flags = ring[(start + i) % ring.length];
      char letter = (flags & FAILURE) != 0 ? 'f' : 's';
      outcomes.append((flags & SLOW) != 0 ? Character.toUpperCase(letter) : letter);
    }
    return new WindowState(WindowType.COUNT, ring.length, outcomes.toString(), List.of());
  }

  @Override
  public void load(WindowState state) {
    clear();
    String outcomes = state.outcomes();
    int from = Math.max(0, outcomes.length() - ring.length);
    for (int i = from; i < outcomes.length(); i++) {
      char letter = outcomes.charAt(i);
      record(Character.toLowerCase(letter) == 'f', Character.isUpperCase(letter), 0);
    }
  }
}
