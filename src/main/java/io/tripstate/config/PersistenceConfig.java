package io.tripstate.config;

import io.tripstate.breaker.BreakerSettings;

/**
 * Settings of the Redis snapshots (config section {@code persistence}).
 *
 * @param enabled whether snapshots are written and restored at all; default true; false turns persistence off
 * @param keyPrefix prefix of every key, {@code {keyPrefix}{name}:state}; default {@code circuit_breaker:}
 * @param openTtlSeconds least TTL of the key of an open breaker, seconds; default 86400; 0 = no expiry. The
 *     default of {@code defaults.openTtlSeconds}, which overrides it per breaker (see {@code BreakerSettings})
 * @param ttlSeconds TTL of the key of a closed breaker, and least TTL of a half-open one, seconds; default 3600;
 *     0 = no expiry. The default of {@code defaults.ttlSeconds}
 * @param commandTimeoutMs bound on every Redis command, milliseconds; default 1000
 * @param restoreTimeoutMs bound on the restore that deployment waits for, milliseconds; default 3000
 * @param counterFlushMs at most one write per breaker per this many milliseconds for counter changes
 *     without a transition; default 1000
 * @param retryMs interval between retries of failed writes and of a failed restore, and between health
 *     probes of Redis, milliseconds; default 1000
 * @param ackAfterWrite when true, the reply to a request that caused a transition waits until Redis
 *     confirmed the snapshot (at most {@code commandTimeoutMs}; the reply then says it is pending);
 *     default false
 */
public record PersistenceConfig(
    boolean enabled,
    String keyPrefix,
    long openTtlSeconds,
    long ttlSeconds,
    long commandTimeoutMs,
    long restoreTimeoutMs,
    long counterFlushMs,
    long retryMs,
    boolean ackAfterWrite) {

  public static final String DEFAULT_KEY_PREFIX = "circuit_breaker:";
  public static final long DEFAULT_OPEN_TTL_SECONDS = BreakerSettings.DEFAULT_OPEN_TTL_SECONDS;
  public static final long DEFAULT_TTL_SECONDS = BreakerSettings.DEFAULT_TTL_SECONDS;
  public static final long DEFAULT_COMMAND_TIMEOUT_MS = 1_000;
  public static final long DEFAULT_RESTORE_TIMEOUT_MS = 3_000;
  public static final long DEFAULT_COUNTER_FLUSH_MS = 1_000;
  public static final long DEFAULT_RETRY_MS = 1_000;

  static PersistenceConfig from(ConfigReader section) {
    return new PersistenceConfig(
        section.bool("enabled", true),
        section.string("keyPrefix", DEFAULT_KEY_PREFIX),
        section.number("openTtlSeconds", DEFAULT_OPEN_TTL_SECONDS, 0, BreakerSettings.MAX_TTL_SECONDS),
        section.number("ttlSeconds", DEFAULT_TTL_SECONDS, 0, BreakerSettings.MAX_TTL_SECONDS),
        section.number("commandTimeoutMs", DEFAULT_COMMAND_TIMEOUT_MS, 1, 600_000),
        section.number("restoreTimeoutMs", DEFAULT_RESTORE_TIMEOUT_MS, 1, 600_000),
        section.number("counterFlushMs", DEFAULT_COUNTER_FLUSH_MS, 1, 3_600_000),
        section.number("retryMs", DEFAULT_RETRY_MS, 10, 600_000),
        section.bool("ackAfterWrite", false));
  }
}
