package io.tripstate.config;

import io.tripstate.breaker.BreakerSettings;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.RedisRole;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The whole configuration of a {@code BreakerVerticle}, read from its deployment JSON and validated:
 * an invalid value fails with a {@link ConfigException} that names the key and the value. Every key and
 * its default is listed in the README and in {@code conf/config.json}.
 */
public final class TripstateConfig {
  /** Default event-bus address of the API ({@code address}). */
  public static final String DEFAULT_ADDRESS = "tripstate";
  /** Default address where transitions are published ({@code transitionsAddress}). */
  public static final String DEFAULT_TRANSITIONS_ADDRESS = "tripstate.transitions";
  /** Default limit on the size of an event-bus request body ({@code maxRequestBytes}). */
  public static final long DEFAULT_MAX_REQUEST_BYTES = 1_048_576;
  /** Default limit on the number of breakers ({@code maxBreakers}). */
  public static final int DEFAULT_MAX_BREAKERS = 10_000;
  /**
   * Read-idle timeout given to a Redis Cluster client's connections when {@code redis.netClientOptions}
   * sets none: a connection to a frozen master is closed after this, so the client finds the promoted replica.
   */
  public static final int DEFAULT_CLUSTER_READ_IDLE_SECONDS = 2;

  /** Default Redis ({@code redis.connectionString}). */
  public static final String DEFAULT_REDIS_URL = "redis://127.0.0.1:6379";

  private static final Set<String> TOP_KEYS =
      Set.of("address", "transitionsAddress", "maxBreakers", "maxRequestBytes", "redis", "persistence", "http",
          "fastPath", "cluster", "metrics", "history", "sharing", "defaults", "breakers");
  private static final Set<String> PERSISTENCE_KEYS = Set.of("enabled", "keyPrefix", "openTtlSeconds",
      "ttlSeconds", "commandTimeoutMs", "restoreTimeoutMs", "counterFlushMs", "retryMs", "ackAfterWrite");

  private final String address;
  private final String transitionsAddress;
  private final int maxBreakers;
  private final long maxRequestBytes;
  private final RedisOptions redisOptions;
  private final String redisUrl;
  private final PersistenceConfig persistence;
  private final HttpConfig http;
  private final FastPathConfig fastPath;
  private final ClusterConfig cluster;
  private final MetricsConfig metrics;
  private final HistoryConfig history;
  private final SharingConfig sharing;
  private final boolean sharedByDefault;
  /** {@code breakers.{name}.shared} where given. */
  private final Map<String, Boolean> sharedPerBreaker = new HashMap<>();
  private final BreakerSettings defaults;
  private final Map<String, BreakerSettings> perBreaker;

  private TripstateConfig(ConfigReader root) {
    address = root.string("address", DEFAULT_ADDRESS);
    transitionsAddress = root.string("transitionsAddress", DEFAULT_TRANSITIONS_ADDRESS);
    maxBreakers = (int) root.number("maxBreakers", DEFAULT_MAX_BREAKERS, 1, 10_000_000);
    maxRequestBytes = root.number("maxRequestBytes", DEFAULT_MAX_REQUEST_BYTES, 1_024, 1L << 30);
    ConfigReader redis = root.section("redis");
    List<String> urls = redisUrls(redis);
    redisUrl = urls.stream().map(TripstateConfig::maskPassword).collect(Collectors.joining(","));
    redisOptions = redisOptions(redis, urls);
    persistence = PersistenceConfig.from(root.section("persistence"));
    http = HttpConfig.from(root.section("http"));
    fastPath = FastPathConfig.from(root.section("fastPath"));
    cluster = ClusterConfig.from(root.section("cluster"));
    metrics = MetricsConfig.from(root.section("metrics"));
    history = HistoryConfig.from(root.section("history"));
    sharing = SharingConfig.from(root.section("sharing"));
    if (sharing.enabled() && !persistence.enabled()) {
      throw new ConfigException("sharing.enabled", true, "needs persistence (Redis): persistence.enabled is false");
    }
    ConfigReader defaultsSection = root.section("defaults");
    sharedByDefault = defaultsSection.bool("shared", sharing.enabled());
    BreakerSettings base = keyTtls(root.section("persistence"), defaultsSection, persistence);
    defaults = BreakerSettingsReader.read(defaultsSection, base);
    perBreaker = new HashMap<>();
    ConfigReader breakers = root.section("breakers");
    for (String name : breakers.raw().fieldNames()) {
      // Merged as JSON, field by field and into window and backoff too, rather than over the built
      // defaults: a count window caps minimumCalls at its size, and a breaker with a larger window must
      // not inherit that cap.
      if (breakers.section(name).raw().containsKey("shared")) {
        sharedPerBreaker.put(name, breakers.section(name).bool("shared", sharedByDefault));
      }
      JsonObject merged = defaultsSection.raw().copy().mergeIn(breakers.section(name).raw(), true);
      perBreaker.put(name, BreakerSettingsReader.read(new ConfigReader(merged, breakers.key(name)), base));
    }
  }

  /**
   * The built-in breaker defaults with the key TTLs of the {@code persistence} section, where they were first
   * configured; {@code defaults} and {@code breakers.{name}} override them. Set in both places with different
   * values they are refused, rather than one silently shadowing the other.
   */
  private static BreakerSettings keyTtls(ConfigReader persistenceSection, ConfigReader defaultsSection,
      PersistenceConfig persistence) {
    for (String key : new String[] {"openTtlSeconds", "ttlSeconds"}) {
      Object inPersistence = persistenceSection.raw().getValue(key);
      Object inDefaults = defaultsSection.raw().getValue(key);
      if (inPersistence != null && inDefaults != null && !inPersistence.equals(inDefaults)) {
        throw new ConfigException(defaultsSection.key(key), inDefaults, "disagrees with "
            + persistenceSection.key(key) + " (" + inPersistence + "); set one of them");
      }
    }
    return BreakerSettings.DEFAULTS.toBuilder().openTtlSeconds(persistence.openTtlSeconds())
        .ttlSeconds(persistence.ttlSeconds()).build();
  }

  /** Reads and validates a deployment config; {@code null} gives the defaults. */
  public static TripstateConfig from(JsonObject json) {
    return new TripstateConfig(new ConfigReader(json, ""));
  }

  /** Calls {@code report} with the full key of every key that this version does not know (likely a typo). */
  public static void unknownKeys(JsonObject json, Consumer<String> report) {
    ConfigReader root = new ConfigReader(json, "");
    root.unknownKeys(TOP_KEYS, report);
    root.section("persistence").unknownKeys(PERSISTENCE_KEYS, report);
    root.section("http").unknownKeys(Set.of("host", "port", "adminToken", "apiToken", "maxBodyBytes",
        "eventsKeepAliveMs"), report);
    root.section("fastPath").unknownKeys(Set.of("enabled", "queueCapacity"), report);
    root.section("cluster").unknownKeys(Set.of("scope", "lockTimeoutMs", "standby"), report);
    root.section("metrics").unknownKeys(Set.of("enabled", "registryName"), report);
    root.section("history").unknownKeys(Set.of("maxEntries", "ttlSeconds"), report);
    root.section("sharing").unknownKeys(Set.of("enabled", "instanceId", "resyncMs", "heartbeatMs", "openQuorum",
        "streamMaxLength"), report);
    Set<String> redisKeys = new HashSet<>(new RedisOptions().toJson().fieldNames());
    // Fields that RedisOptions leaves out of toJson() while unset.
    redisKeys.addAll(Set.of("connectionString", "endpoints", "password", "masterName", "poolName", "role",
        "type", "preferredProtocolVersion", "tracingPolicy"));
    root.section("redis").unknownKeys(redisKeys, report);
    BreakerSettingsReader.unknownKeys(root.section("defaults"), report);
    ConfigReader breakers = root.section("breakers");
    for (String name : breakers.raw().fieldNames()) {
      BreakerSettingsReader.unknownKeys(breakers.section(name), report);
    }
  }

  public String address() {
    return address;
  }

  public String transitionsAddress() {
    return transitionsAddress;
  }

  public int maxBreakers() {
    return maxBreakers;
  }

  /** The largest event-bus request body accepted (estimated JSON size, bytes). */
  public long maxRequestBytes() {
    return maxRequestBytes;
  }

  /** A fresh copy of the Redis client options. */
  public RedisOptions redisOptions() {
    // The copy constructor shares the endpoint list; give the copy its own.
    RedisOptions copy = new RedisOptions(redisOptions);
    return copy.setEndpoints(new ArrayList<>(redisOptions.getEndpoints()));
  }

  /** The Redis URL (or the endpoints, comma-separated) with any password masked, for logs and status. */
  public String redisDescription() {
    return redisUrl;
  }

  public PersistenceConfig persistence() {
    return persistence;
  }

  public HttpConfig http() {
    return http;
  }

  public FastPathConfig fastPath() {
    return fastPath;
  }

  public ClusterConfig cluster() {
    return cluster;
  }

  public MetricsConfig metrics() {
    return metrics;
  }

  public HistoryConfig history() {
    return history;
  }

  public SharingConfig sharing() {
    return sharing;
  }

  /**
   * Whether a breaker's state is shared with the other instances: {@code breakers.{name}.shared}, else
   * {@code defaults.shared}, else {@code sharing.enabled}; always false with sharing off.
   */
  public boolean shared(String name) {
    return sharing.enabled() && sharedPerBreaker.getOrDefault(name, sharedByDefault);
  }

  /** The settings of a breaker: its own section under {@code breakers}, else {@code defaults}. */
  public BreakerSettings settingsFor(String name) {
    return perBreaker.getOrDefault(name, defaults);
  }

  /** Replaces user:password in a URL's authority by {@code ***}. */
  public static String maskPassword(String url) {
    // Textual, so that it also masks URLs that do not parse.
    return url == null ? null : url.replaceFirst("//[^/@]*@", "//***@");
  }

  /**
   * {@code redis.endpoints} (the URLs of a cluster's nodes or of the Sentinels) or else
   * {@code redis.connectionString}; giving both is refused, since one would silently win.
   */
  private static List<String> redisUrls(ConfigReader redis) {
    Object endpoints = redis.raw().getValue("endpoints");
    if (endpoints == null) {
      return List.of(redis.string("connectionString", DEFAULT_REDIS_URL));
    }
    if (redis.raw().containsKey("connectionString")) {
      throw new ConfigException(redis.key("endpoints"), "(endpoints and connectionString)",
          "give either redis.endpoints or redis.connectionString, not both");
    }
    if (!(endpoints instanceof JsonArray list) || list.isEmpty()
        || list.stream().anyMatch(url -> !(url instanceof String))) {
      throw new ConfigException(redis.key("endpoints"), maskPassword(String.valueOf(endpoints)),
          "must be a non-empty array of Redis URLs");
    }
    return list.stream().map(String.class::cast).toList();
  }

  /** An enum field of RedisOptions, case-insensitive; RedisOptions itself would fail naming no field. */
  private static <E extends Enum<E>> void normaliseEnum(ConfigReader redis, JsonObject fields, String key,
      Class<E> type) {
    Object given = fields.getValue(key);
    if (given == null) {
      return;
    }
    for (E constant : type.getEnumConstants()) {
      if (given instanceof String text && constant.name().equalsIgnoreCase(text.trim())) {
        fields.put(key, constant.name());
        return;
      }
    }
    throw new ConfigException(redis.key(key), given, "must be one of " + Arrays.toString(type.getEnumConstants()));
  }

  private static RedisOptions redisOptions(ConfigReader redis, List<String> urls) {
    String field = redis.raw().containsKey("endpoints") ? "endpoints" : "connectionString";
    boolean tls = false;
    for (String url : urls) {
      URI uri;
      try {
        uri = new URI(url);
      } catch (URISyntaxException e) {
        throw new ConfigException(redis.key(field), maskPassword(url), "not a URL");
      }
      if (uri.getScheme() == null || !uri.getScheme().startsWith("redis") || uri.getHost() == null) {
        throw new ConfigException(redis.key(field), maskPassword(url),
            "must be a URL like redis://host:port/db or rediss://host:port");
      }
      tls |= "rediss".equals(uri.getScheme());
    }
    JsonObject fields = redis.raw().copy();
    fields.remove("connectionString");
    fields.remove("endpoints");
    normaliseEnum(redis, fields, "type", RedisClientType.class);
    normaliseEnum(redis, fields, "role", RedisRole.class);
    RedisOptions options;
    try {
      // RedisOptions(JsonObject) ignores connectionString and would default to localhost:6379 (FACTS.md).
      options = new RedisOptions(fields).setEndpoints(new ArrayList<>(urls));
    } catch (RuntimeException e) {
      throw new ConfigException(redis.path(), "(redis section)", "not valid RedisOptions: " + e.getMessage());
    }
    // RedisOptions(JsonObject) silently drops a value of the wrong type: compare what it kept.
    JsonObject kept = options.toJson();
    for (String key : fields.fieldNames()) {
      Object given = fields.getValue(key);
      boolean scalar = given instanceof String || given instanceof Number || given instanceof Boolean;
      if (scalar && !given.toString().equals(String.valueOf(kept.getValue(key)))) {
        throw new ConfigException(redis.key(key), ConfigReader.isSecret(key) ? "***" : given,
            "not a valid value for this RedisOptions field");
      }
    }
    // A frozen cluster master keeps its sockets open: without a read-idle timeout the cluster client waits on
    // them and never refreshes its slots (seen for more than 40 s with vertx-redis-client 5.0.7).
    if (options.getType() == RedisClientType.CLUSTER && options.getNetClientOptions().getReadIdleTimeout() == 0) {
      options.getNetClientOptions().setReadIdleTimeout(DEFAULT_CLUSTER_READ_IDLE_SECONDS)
          .setIdleTimeoutUnit(TimeUnit.SECONDS);
    }
    // Vert.x 5 refuses TLS without a hostname verification algorithm; verify like HTTPS unless configured.
    if (tls && options.getNetClientOptions().getHostnameVerificationAlgorithm() == null) {
      options.getNetClientOptions().setHostnameVerificationAlgorithm("HTTPS");
    }
    return options;
  }
}
