package io.tripstate.breaker;

import java.util.Set;

/**
 * The policy of one breaker. Build one with {@link #builder()}; every field has a documented default.
 *
 * @param failureThreshold {@code consecutive} window: consecutive failures that open the breaker; default 5
 * @param resetTimeoutMs how long the breaker stays open before a trial, ms; default 30000
 * @param halfOpenMaxCalls trial calls permitted at once in {@code half_open}; default 1
 * @param successThreshold successful trials that close the breaker; default 1
 * @param permitTimeoutMs a trial not recorded within this many ms counts as failed; default 60000
 * @param window how closed judges recent calls; default {@code consecutive}
 * @param failureRateThreshold {@code count}/{@code time} windows: failure percentage that opens; default 50
 * @param slowCallRateThreshold {@code count}/{@code time} windows: slow-call percentage that opens; default 100
 * @param slowCallDurationMs a call whose {@code duration_ms} reaches this is slow; default 60000
 * @param backoff growth of the open time across reopens; default off (multiplier 1.0)
 * @param callTimeoutMs the {@code call} action's default timeout, ms; default 10000, at most
 *     {@link #MAX_CALL_TIMEOUT_MS}
 * @param failureCodes target failure codes below 500 that the {@code call} action counts as failures;
 *     default none
 * @param openTtlSeconds least TTL of the Redis key of an open breaker, seconds; the key also outlives the open
 *     time left by {@code ttlSeconds}; default {@code persistence.openTtlSeconds} (86400); 0 = no expiry
 * @param ttlSeconds TTL of the Redis key of a closed breaker, and least TTL of a half-open one (which also
 *     outlives its trial permits), seconds; default {@code persistence.ttlSeconds} (3600); 0 = no expiry.
 *     Keys of {@code forced_open} without a duration and of {@code disabled} never expire
 */
public record BreakerSettings(
    int failureThreshold,
    long resetTimeoutMs,
    int halfOpenMaxCalls,
    int successThreshold,
    long permitTimeoutMs,
    Window window,
    int failureRateThreshold,
    int slowCallRateThreshold,
    long slowCallDurationMs,
    Backoff backoff,
    long callTimeoutMs,
    Set<Integer> failureCodes,
    long openTtlSeconds,
    long ttlSeconds) {

  /**
   * The duration from which a call counts as slow, or 0 when durations do not matter: only {@code count} and
   * {@code time} windows count slow calls.
   */
  public long slowCallThresholdMs() {
    return window.type() == WindowType.CONSECUTIVE ? 0 : slowCallDurationMs;
  }

  /** The largest {@code count} window, and the longest {@code time} window in seconds. */
  public static final int MAX_WINDOW_SIZE = 10_000;
  /** The default {@code callTimeoutMs}. */
  public static final long DEFAULT_CALL_TIMEOUT_MS = 10_000;
  /**
   * The largest {@code callTimeoutMs} (1 hour). Bounded so that a {@code BreakerClient} that does not know a
   * breaker's settings can still wait longer than the verticle does.
   */
  public static final long MAX_CALL_TIMEOUT_MS = 3_600_000;
  /** The default {@code openTtlSeconds}: one day. */
  public static final long DEFAULT_OPEN_TTL_SECONDS = 86_400;
  /** The default {@code ttlSeconds}: one hour. */
  public static final long DEFAULT_TTL_SECONDS = 3_600;
  /** The largest {@code openTtlSeconds} and {@code ttlSeconds}: a year. */
  public static final long MAX_TTL_SECONDS = 365L * 86_400;

  /**
   * The window of a closed breaker.
   *
   * @param type {@code consecutive} (default), {@code count} or {@code time}
   * @param size calls ({@code count}) or seconds ({@code time}); default 100
   * @param minimumCalls calls needed in the window before a rate can open it; default 100, capped at the
   *     size of a count window
   */
  public record Window(WindowType type, int size, int minimumCalls) {
    public Window {
      require(type != null, "window.type must be consecutive, count or time");
      require(size >= 1 && size <= MAX_WINDOW_SIZE, "window.size must be between 1 and " + MAX_WINDOW_SIZE
          + ", was " + size);
      require(minimumCalls >= 1, "window.minimumCalls must be at least 1, was " + minimumCalls);
      if (type == WindowType.COUNT) {
        minimumCalls = Math.min(minimumCalls, size);
      }
    }
  }

  /**
   * Growth of the open time while a dependency stays down.
   *
   * @param multiplier each reopen without a close in between multiplies the open time; 1.0 (default) = off
   * @param maxResetTimeoutMs the open time never exceeds this, ms; default 600000
   */
  public record Backoff(double multiplier, long maxResetTimeoutMs) {
    public Backoff {
      require(multiplier >= 1.0 && multiplier <= 1_000, "backoff.multiplier must be between 1.0 and 1000, was "
          + multiplier);
      require(maxResetTimeoutMs >= 1, "backoff.maxResetTimeoutMs must be at least 1, was " + maxResetTimeoutMs);
    }
  }

  /** The settings used when the config names none. */
  public static final BreakerSettings DEFAULTS = builder().build();

  public BreakerSettings {
    require(failureThreshold >= 1, "failureThreshold must be at least 1, was " + failureThreshold);
    require(resetTimeoutMs >= 1, "resetTimeoutMs must be at least 1, was " + resetTimeoutMs);
    require(halfOpenMaxCalls >= 1, "halfOpenMaxCalls must be at least 1, was " + halfOpenMaxCalls);
    require(successThreshold >= 1, "successThreshold must be at least 1, was " + successThreshold);
    require(permitTimeoutMs >= 1, "permitTimeoutMs must be at least 1, was " + permitTimeoutMs);
    require(window != null && backoff != null, "window and backoff are required");
    require(failureRateThreshold >= 1 && failureRateThreshold <= 100,
        "failureRateThreshold must be between 1 and 100, was " + failureRateThreshold);
    require(slowCallRateThreshold >= 1 && slowCallRateThreshold <= 100,
        "slowCallRateThreshold must be between 1 and 100, was " + slowCallRateThreshold);
    require(slowCallDurationMs >= 1, "slowCallDurationMs must be at least 1, was " + slowCallDurationMs);
    require(backoff.multiplier() == 1.0 || backoff.maxResetTimeoutMs() >= resetTimeoutMs,
        "backoff.maxResetTimeoutMs must be at least resetTimeoutMs (" + resetTimeoutMs + "), was "
            + backoff.maxResetTimeoutMs());
    require(callTimeoutMs >= 1 && callTimeoutMs <= MAX_CALL_TIMEOUT_MS, "callTimeoutMs must be between 1 and "
        + MAX_CALL_TIMEOUT_MS + ", was " + callTimeoutMs);
    require(openTtlSeconds >= 0 && openTtlSeconds <= MAX_TTL_SECONDS, "openTtlSeconds must be between 0 and "
        + MAX_TTL_SECONDS + ", was " + openTtlSeconds);
    require(ttlSeconds >= 0 && ttlSeconds <= MAX_TTL_SECONDS, "ttlSeconds must be between 0 and " + MAX_TTL_SECONDS
        + ", was " + ttlSeconds);
    failureCodes = failureCodes == null ? Set.of() : Set.copyOf(failureCodes);
  }

  /** The longest open time: {@code backoff.maxResetTimeoutMs} with backoff on, else {@code resetTimeoutMs}. */
  public long maxOpenTimeoutMs() {
    return backoff.multiplier() > 1.0 ? backoff.maxResetTimeoutMs() : resetTimeoutMs;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    return new Builder().failureThreshold(failureThreshold).resetTimeoutMs(resetTimeoutMs)
        .halfOpenMaxCalls(halfOpenMaxCalls).successThreshold(successThreshold).permitTimeoutMs(permitTimeoutMs)
        .window(window).failureRateThreshold(failureRateThreshold).slowCallRateThreshold(slowCallRateThreshold)
        .slowCallDurationMs(slowCallDurationMs).backoff(backoff).callTimeoutMs(callTimeoutMs)
        .failureCodes(failureCodes).openTtlSeconds(openTtlSeconds).ttlSeconds(ttlSeconds);
  }

  private static void require(boolean condition, String message) {
    if (!condition) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Builds {@link BreakerSettings}, starting from the defaults. */
  public static final class Builder {
    private int failureThreshold = 5;
    private long resetTimeoutMs = 30_000;
    private int halfOpenMaxCalls = 1;
    private int successThreshold = 1;
    private long permitTimeoutMs = 60_000;
    // Built here, not held as constants of Window / Backoff: those would make class initialisation order-dependent.
    private Window window = new Window(WindowType.CONSECUTIVE, 100, 100);
    private int failureRateThreshold = 50;
    private int slowCallRateThreshold = 100;
    private long slowCallDurationMs = 60_000;
    private Backoff backoff = new Backoff(1.0, 600_000);
    private long callTimeoutMs = DEFAULT_CALL_TIMEOUT_MS;
    private Set<Integer> failureCodes = Set.of();
    private long openTtlSeconds = DEFAULT_OPEN_TTL_SECONDS;
    private long ttlSeconds = DEFAULT_TTL_SECONDS;

    public Builder failureThreshold(int value) {
      failureThreshold = value;
      return this;
    }

    public Builder resetTimeoutMs(long value) {
      resetTimeoutMs = value;
      return this;
    }

    public Builder halfOpenMaxCalls(int value) {
      halfOpenMaxCalls = value;
      return this;
    }

    public Builder successThreshold(int value) {
      successThreshold = value;
      return this;
    }

    public Builder permitTimeoutMs(long value) {
      permitTimeoutMs = value;
      return this;
    }

    public Builder window(Window value) {
      window = value;
      return this;
    }

    public Builder window(WindowType type, int size, int minimumCalls) {
      return window(new Window(type, size, minimumCalls));
    }

    public Builder failureRateThreshold(int value) {
      failureRateThreshold = value;
      return this;
    }

    public Builder slowCallRateThreshold(int value) {
      slowCallRateThreshold = value;
      return this;
    }

    public Builder slowCallDurationMs(long value) {
      slowCallDurationMs = value;
      return this;
    }

    public Builder backoff(Backoff value) {
      backoff = value;
      return this;
    }

    public Builder backoff(double multiplier, long maxResetTimeoutMs) {
      return backoff(new Backoff(multiplier, maxResetTimeoutMs));
    }

    public Builder callTimeoutMs(long value) {
      callTimeoutMs = value;
      return this;
    }

    public Builder failureCodes(Set<Integer> value) {
      failureCodes = value;
      return this;
    }

    public Builder openTtlSeconds(long value) {
      openTtlSeconds = value;
      return this;
    }

    public Builder ttlSeconds(long value) {
      ttlSeconds = value;
      return this;
    }

    /** @throws IllegalArgumentException naming the field that is out of range */
    public BreakerSettings build() {
      return new BreakerSettings(failureThreshold, resetTimeoutMs, halfOpenMaxCalls, successThreshold,
          permitTimeoutMs, window, failureRateThreshold, slowCallRateThreshold, slowCallDurationMs, backoff,
          callTimeoutMs, failureCodes, openTtlSeconds, ttlSeconds);
    }
  }
}
