package io.tripstate.breaker;

import java.util.Arrays;

/**
 * The trial permits of a half-open breaker: those out now, with when they were granted, and a ring of
 * recently finished ones (recorded or expired), so that a permit used twice or too late is recognised.
 */
final class Trials {
  private static final int FINISHED = 64;

  private static final long[] NONE = new long[0];

  // Allocated on first use: most breakers never go half-open, and an idle breaker should stay small.
  private long[] permits = NONE;
  private long[] grantedAt = NONE;
  private int count;
  private long[] finished = NONE;
  private int finishedNext;

  int count() {
    return count;
  }

  void grant(long permit, long nowMs) {
    if (permits.length == count) {
      permits = Arrays.copyOf(permits, Math.max(1, count * 2));
      grantedAt = Arrays.copyOf(grantedAt, Math.max(1, count * 2));
    }
    permits[count] = permit;
    grantedAt[count] = nowMs;
    count++;
  }

  /** Index of an outstanding permit, or -1. */
  int indexOf(long permit) {
    for (int i = 0; i < count; i++) {
      if (permits[i] == permit) {
        return i;
      }
    }
    return -1;
  }

  /**
   * Refuses a permit that was already used or expired, or never handed out ({@code permitSeq} is the last one
   * handed out); the untracked permit passes.
   */
  void check(String name, long permit, long permitSeq) {
    if (permit == Breaker.UNTRACKED_PERMIT) {
      return;
    }
    if (recentlyFinished(permit)) {
      throw new PermitRejectedException(name, permit, "was already used or has expired");
    }
    if (permit <= 0 || permit > permitSeq) {
      throw new PermitRejectedException(name, permit, "was never handed out");
    }
  }

  private boolean recentlyFinished(long permit) {
    for (long p : finished) {
      if (p == permit) {
        return true;
      }
    }
    return false;
  }

  /** Removes the trial at {@code index} and remembers it as finished. */
  void finish(int index) {
    remember(permits[index]);
    System.arraycopy(permits, index + 1, permits, index, count - index - 1);
    System.arraycopy(grantedAt, index + 1, grantedAt, index, count - index - 1);
    count--;
  }

  /** The earliest grant time, or {@code Long.MAX_VALUE} when none is out. */
  long oldestGrant() {
    long oldest = Long.MAX_VALUE;
    for (int i = 0; i < count; i++) {
      oldest = Math.min(oldest, grantedAt[i]);
    }
    return oldest;
  }

  /** Forgets every outstanding trial; with {@code finished}, they count as finished (their records get 409). */
  void clear(boolean finishedToo) {
    if (finishedToo) {
      for (int i = 0; i < count; i++) {
        remember(permits[i]);
      }
    }
    count = 0;
  }

  private void remember(long permit) {
    if (finished.length == 0) {
      finished = new long[FINISHED];
      Arrays.fill(finished, -1);
    }
    finished[finishedNext] = permit;
    finishedNext = (finishedNext + 1) % FINISHED;
  }
}
