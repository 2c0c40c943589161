package io.tripstate.config;

/**
 * Settings of the in-process fast path (config section {@code fastPath}): {@code BreakerClient}s in the same
 * Vert.x instance decide {@code acquire} in closed and open states from a view the verticle publishes, and
 * hand the outcomes of their calls back through a bounded queue.
 *
 * @param enabled whether the verticle publishes the view; default {@code true}; {@code false} sends every
 *     client call over the event bus
 * @param queueCapacity how many fast-path outcomes may wait for the verticle (rounded up to a power of two);
 *     when full, calls go over the event bus until it drained; default 16384
 */
public record FastPathConfig(boolean enabled, int queueCapacity) {
  public static final int DEFAULT_QUEUE_CAPACITY = 16_384;

  static FastPathConfig from(ConfigReader section) {
    return new FastPathConfig(section.bool("enabled", true),
        (int) section.number("queueCapacity", DEFAULT_QUEUE_CAPACITY, 2, 1 << 22));
  }
}
