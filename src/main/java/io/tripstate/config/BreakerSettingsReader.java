package io.tripstate.config;

import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.BreakerSettings.Backoff;
import io.tripstate.breaker.BreakerSettings.Window;
import io.tripstate.breaker.WindowType;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Reads the policy of a breaker from a {@code defaults} or {@code breakers.{name}} section. Every key and
 * its default is documented on {@link BreakerSettings}, in the README and in {@code conf/config.json}.
 */
final class BreakerSettingsReader {
  /** The keys of a breaker section. */
  static final Set<String> KEYS = Set.of("failureThreshold", "resetTimeoutMs", "halfOpenMaxCalls",
      "successThreshold", "permitTimeoutMs", "window", "failureRateThreshold", "slowCallRateThreshold",
      "slowCallDurationMs", "backoff", "callTimeoutMs", "failureCodes", "openTtlSeconds", "ttlSeconds",
      // read by TripstateConfig.shared, not a policy of the breaker itself
      "shared");
  static final Set<String> WINDOW_KEYS = Set.of("type", "size", "minimumCalls");
  static final Set<String> BACKOFF_KEYS = Set.of("multiplier", "maxResetTimeoutMs");

  private static final long MAX_MS = 365L * 86_400_000L;
  private static final int MAX_CALLS = 1_000_000;

  private final ConfigReader section;
  /** The whole numbers read, by full key, so that a rule between two fields can name the value it refuses. */
  private final Map<String, Object> read = new HashMap<>();

  private BreakerSettingsReader(ConfigReader section) {
    this.section = section;
  }

  /**
   * The settings of {@code section}, each key absent from it taken from {@code base} (the built-in defaults,
   * with the key TTLs of the {@code persistence} section).
   *
   * @throws ConfigException naming the full key and the value that is wrong
   */
  static BreakerSettings read(ConfigReader section, BreakerSettings base) {
    return new BreakerSettingsReader(section).settings(base);
  }

  /** Reports the keys of a breaker section, and of its {@code window} and {@code backoff}, that are unknown. */
  static void unknownKeys(ConfigReader section, Consumer<String> report) {
    section.unknownKeys(KEYS, report);
    section.section("window").unknownKeys(WINDOW_KEYS, report);
    section.section("backoff").unknownKeys(BACKOFF_KEYS, report);
  }

  private BreakerSettings settings(BreakerSettings base) {
    BreakerSettings.Builder builder = base.toBuilder()
        .failureThreshold((int) whole(section, "failureThreshold", base.failureThreshold(), MAX_CALLS))
        .resetTimeoutMs(whole(section, "resetTimeoutMs", base.resetTimeoutMs(), MAX_MS))
        .halfOpenMaxCalls((int) whole(section, "halfOpenMaxCalls", base.halfOpenMaxCalls(), 10_000))
        .successThreshold((int) whole(section, "successThreshold", base.successThreshold(), 10_000))
        .permitTimeoutMs(whole(section, "permitTimeoutMs", base.permitTimeoutMs(), MAX_MS))
        .window(window(section.section("window"), base.window()))
        .failureRateThreshold((int) whole(section, "failureRateThreshold", base.failureRateThreshold(), 100))
        .slowCallRateThreshold((int) whole(section, "slowCallRateThreshold", base.slowCallRateThreshold(), 100))
        .slowCallDurationMs(whole(section, "slowCallDurationMs", base.slowCallDurationMs(), MAX_MS))
        .backoff(backoff(section.section("backoff"), base.backoff()))
        .callTimeoutMs(whole(section, "callTimeoutMs", base.callTimeoutMs(),
            BreakerSettings.MAX_CALL_TIMEOUT_MS))
        .failureCodes(section.wholeNumbers("failureCodes", base.failureCodes(), Integer.MIN_VALUE,
            Integer.MAX_VALUE))
        .openTtlSeconds(section.number("openTtlSeconds", base.openTtlSeconds(), 0, BreakerSettings.MAX_TTL_SECONDS))
        .ttlSeconds(section.number("ttlSeconds", base.ttlSeconds(), 0, BreakerSettings.MAX_TTL_SECONDS));
    try {
      return builder.build();
    } catch (IllegalArgumentException e) {
      throw refused(e);
    }
  }

  private Window window(ConfigReader window, Window base) {
    String typeName = window.string("type", base.type().wireName());
    WindowType type = WindowType.fromWire(typeName);
    if (type == null) {
      throw new ConfigException(window.key("type"), typeName, "must be consecutive, count or time");
    }
    return new Window(type, (int) whole(window, "size", base.size(), BreakerSettings.MAX_WINDOW_SIZE),
        (int) whole(window, "minimumCalls", base.minimumCalls(), Integer.MAX_VALUE));
  }

  private Backoff backoff(ConfigReader backoff, Backoff base) {
    double multiplier = backoff.decimal("multiplier", base.multiplier(), 1.0, 1_000);
    return new Backoff(multiplier, whole(backoff, "maxResetTimeoutMs", base.maxResetTimeoutMs(), MAX_MS));
  }

  private long whole(ConfigReader from, String key, long base, long max) {
    long value = from.number(key, base, 1, max);
    read.put(from.key(key), value);
    return value;
  }

  /**
   * A rule between fields that {@link BreakerSettings} refused, e.g. {@code backoff.maxResetTimeoutMs} below
   * {@code resetTimeoutMs}. Its messages start with the field they refuse.
   */
  private ConfigException refused(IllegalArgumentException e) {
    String message = String.valueOf(e.getMessage());
    int space = message.indexOf(' ');
    String key = space > 0 ? section.key(message.substring(0, space)) : null;
    if (key != null && read.containsKey(key)) {
      return new ConfigException(key, read.get(key), message.substring(space + 1));
    }
    return new ConfigException(section.path(), "(section)", message);
  }
}
