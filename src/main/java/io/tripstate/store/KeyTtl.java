package io.tripstate.store;

import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.Snapshot;

/**
 * The TTL of a breaker's Redis key: the key never expires while the state it holds lasts, and it outlives a
 * state that ends by itself by the TTL of the state that follows, so that a restart at any moment finds it.
 * Recomputed on every write, since the time left changes (a reopen with backoff lengthens the open time).
 *
 * <ul>
 *   <li>closed: {@code ttlSeconds};
 *   <li>open: the open time left plus {@code ttlSeconds} (what the half-open state after it gets), and at
 *       least {@code openTtlSeconds};
 *   <li>half_open: {@code ttlSeconds}, and at least {@code permitTimeoutMs} (the longest a trial permit out
 *       now can still run);
 *   <li>forced_open with a duration: the time left plus {@code ttlSeconds};
 *   <li>forced_open without one, and disabled: no expiry; they last until {@code reset}.
 * </ul>
 * A TTL of 0 means no expiry, as in the config: when {@code ttlSeconds} is 0, no state that ends by itself
 * expires either, since the state after it would not.
 */
public final class KeyTtl {
  /** No expiry: the key is written without a TTL (which also removes an earlier one). */
  public static final long NEVER = 0;
  /** A hundred years: longer TTLs (a forced_open of centuries) are cut to this, which Redis accepts. */
  static final long MAX_SECONDS = 100L * 365 * 86_400;

  private KeyTtl() {}

  /** The TTL in seconds of the key holding {@code snapshot} when written at {@code nowMs}; {@link #NEVER} for none. */
  public static long seconds(Snapshot snapshot, BreakerSettings settings, long nowMs) {
    long ttl = settings.ttlSeconds();
    switch (snapshot.state()) {
      case CLOSED:
        return ttl;
      case OPEN: {
        if (ttl == NEVER || settings.openTtlSeconds() == NEVER) {
          return NEVER;
        }
        long openTimeoutMs = snapshot.openTimeoutMs() != null ? snapshot.openTimeoutMs() : settings.resetTimeoutMs();
        long left = secondsLeft(snapshot.openedAtMs(), openTimeoutMs, nowMs);
        return Math.max(settings.openTtlSeconds(), capped(left + ttl));
      }
      case HALF_OPEN:
        return ttl == NEVER ? NEVER : Math.max(ttl, ceilSeconds(settings.permitTimeoutMs()));
      case FORCED_OPEN:
        if (snapshot.forcedUntilMs() == null || ttl == NEVER) {
          return NEVER;
        }
        return capped(secondsLeft(snapshot.forcedUntilMs(), 0, nowMs) + ttl);
      case DISABLED:
        return NEVER;
      default:
        throw new IllegalStateException("no TTL rule for state " + snapshot.state());
    }
  }

  /** Whole seconds from now until {@code fromMs + durationMs}, rounded up; 0 when past. */
  private static long secondsLeft(long fromMs, long durationMs, long nowMs) {
    long endMs = fromMs > Long.MAX_VALUE - durationMs ? Long.MAX_VALUE : fromMs + durationMs;
    return endMs <= nowMs ? 0 : Math.min(MAX_SECONDS, ceilSeconds(endMs - nowMs));
  }

  private static long ceilSeconds(long ms) {
    return ms / 1000 + (ms % 1000 == 0 ? 0 : 1);
  }

  private static long capped(long seconds) {
    return Math.min(MAX_SECONDS, seconds);
  }
}
