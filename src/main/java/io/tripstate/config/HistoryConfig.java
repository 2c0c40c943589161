package io.tripstate.config;

/**
 * Settings of the transition history (config section {@code history}): every transition of a breaker is
 * appended to a capped Redis stream, {@code {persistence.keyPrefix}{name}:history}, or kept in memory when
 * persistence is off.
 *
 * @param maxEntries transitions kept per breaker; default 1000; 0 keeps no history. Redis trims the stream
 *     approximately ({@code XADD ... MAXLEN ~}), in whole blocks, so it may hold about a hundred more
 * @param ttlSeconds a breaker's history expires this many seconds after its last transition, so that the
 *     histories of short-lived names do not pile up; default 604800 (7 days); 0 = never expires
 */
public record HistoryConfig(int maxEntries, long ttlSeconds) {
  public static final int DEFAULT_MAX_ENTRIES = 1_000;
  public static final long DEFAULT_TTL_SECONDS = 604_800;
  /** A stream of more entries would cost megabytes per breaker in Redis. */
  public static final int MAX_ENTRIES = 100_000;

  /** Whether any history is kept. */
  public boolean enabled() {
    return maxEntries > 0;
  }

  static HistoryConfig from(ConfigReader section) {
    return new HistoryConfig((int) section.number("maxEntries", DEFAULT_MAX_ENTRIES, 0, MAX_ENTRIES),
        section.number("ttlSeconds", DEFAULT_TTL_SECONDS, 0, 365 * 86_400L));
  }
}
