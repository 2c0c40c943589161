package io.tripstate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.WindowType;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The deployment config (issue 2, section 6): defaults, per-breaker overrides, validation, Redis options; and
 * the breaker policy keys of issue 3.
 */
class TripstateConfigTest {
  /** Every per-breaker key, as a dotted path under {@code defaults} or {@code breakers.{name}}. */
  private static final List<String> BREAKER_KEYS = List.of("failureThreshold", "resetTimeoutMs",
      "halfOpenMaxCalls", "successThreshold", "permitTimeoutMs", "window.type", "window.size",
      "window.minimumCalls", "failureRateThreshold", "slowCallRateThreshold", "slowCallDurationMs",
      "backoff.multiplier", "backoff.maxResetTimeoutMs", "callTimeoutMs", "failureCodes");

  @Test
  void anEmptyConfigGivesTheDocumentedDefaultForEveryKey() {
    // Given a deployment without any config

    // When it is read
    TripstateConfig config = TripstateConfig.from(new JsonObject());

    // Then every key has its documented default
    assertThat(config.address()).isEqualTo("tripstate");
    assertThat(config.transitionsAddress()).isEqualTo("tripstate.transitions");
    assertThat(config.maxBreakers()).isEqualTo(10_000);
    PersistenceConfig persistence = config.persistence();
    assertThat(persistence.enabled()).isTrue();
    assertThat(persistence.keyPrefix()).isEqualTo("circuit_breaker:");
    assertThat(persistence.openTtlSeconds()).isEqualTo(86_400);
    assertThat(persistence.ttlSeconds()).isEqualTo(3_600);
    assertThat(persistence.commandTimeoutMs()).isEqualTo(1_000);
    assertThat(persistence.restoreTimeoutMs()).isEqualTo(3_000);
    assertThat(persistence.counterFlushMs()).isEqualTo(1_000);
    assertThat(config.http().host()).isEqualTo("127.0.0.1");
    assertThat(config.http().port()).as("no HTTP unless a port is configured").isNull();
    assertThat(config.fastPath()).isEqualTo(new FastPathConfig(true, 16_384));
    assertThat(config.metrics()).isEqualTo(new MetricsConfig(true, "default"));
    assertThat(config.history()).isEqualTo(new HistoryConfig(1_000, 604_800));
    assertThat(config.history().enabled()).isTrue();
    assertThat(config.settingsFor("any-breaker")).isEqualTo(breaker(5, 30_000, 1));
    assertThat(config.redisOptions().getEndpoints()).containsExactly(TripstateConfig.DEFAULT_REDIS_URL);
  }

  @Test
  void theShippedConfigFileHoldsEveryKeyWithItsDefault() throws Exception {
    // Given conf/config.json as shipped
    JsonObject json = new JsonObject(Files.readString(Path.of("conf", "config.json")));
    List<String> unknown = new ArrayList<>();

    // When it is read
    TripstateConfig config = TripstateConfig.from(json);
    TripstateConfig.unknownKeys(json, unknown::add);

    // Then it names every key, none unknown, with the same values as the built-in defaults (the HTTP port aside)
    assertThat(json.fieldNames()).contains("address", "transitionsAddress", "maxBreakers", "redis", "persistence",
        "http", "defaults", "breakers");
    assertThat(json.getJsonObject("persistence").fieldNames()).contains("enabled", "keyPrefix", "openTtlSeconds",
        "ttlSeconds", "commandTimeoutMs", "restoreTimeoutMs", "counterFlushMs");
    assertThat(json.getJsonObject("redis").fieldNames()).contains("connectionString");
    assertThat(json.getJsonObject("http").fieldNames()).contains("host", "port");
    assertThat(json.getJsonObject("fastPath").fieldNames()).contains("enabled", "queueCapacity");
    assertThat(json.getJsonObject("metrics").fieldNames()).contains("enabled", "registryName");
    assertThat(json.getJsonObject("history").fieldNames()).contains("maxEntries", "ttlSeconds");
    assertThat(json.getJsonObject("defaults").fieldNames())
        .contains("failureThreshold", "resetTimeoutMs", "halfOpenMaxCalls");
    assertThat(unknown).isEmpty();
    TripstateConfig defaults = TripstateConfig.from(new JsonObject());
    assertThat(config.address()).isEqualTo(defaults.address());
    assertThat(config.transitionsAddress()).isEqualTo(defaults.transitionsAddress());
    assertThat(config.maxBreakers()).isEqualTo(defaults.maxBreakers());
    assertThat(config.persistence()).isEqualTo(defaults.persistence());
    assertThat(config.http().host()).isEqualTo(defaults.http().host());
    assertThat(config.http().eventsKeepAliveMs()).isEqualTo(defaults.http().eventsKeepAliveMs());
    assertThat(config.fastPath()).isEqualTo(defaults.fastPath());
    assertThat(config.metrics()).isEqualTo(defaults.metrics());
    assertThat(config.history()).isEqualTo(defaults.history());
    assertThat(config.settingsFor("any")).isEqualTo(defaults.settingsFor("any"));
  }

  @Test
  void aNullConfigIsReadAsTheDefaults() {
    // Given a deployment whose DeploymentOptions carry no config at all

    // When it is read
    TripstateConfig config = TripstateConfig.from(null);

    // Then it is the same as an empty one
    assertThat(config.maxBreakers()).isEqualTo(10_000);
    assertThat(config.persistence().keyPrefix()).isEqualTo("circuit_breaker:");
    assertThat(config.settingsFor("x")).isEqualTo(BreakerSettings.DEFAULTS);
  }

  @Test
  void everyConfiguredValueIsUsed() {
    // Given a config that sets every key to a non-default value
    JsonObject json = new JsonObject("""
        {"address": "cb", "transitionsAddress": "cb.events", "maxBreakers": 50,
         "persistence": {"enabled": false, "keyPrefix": "svc:", "openTtlSeconds": 600, "ttlSeconds": 60,
                         "commandTimeoutMs": 250, "restoreTimeoutMs": 900, "counterFlushMs": 200},
         "http": {"host": "0.0.0.0", "port": 0},
         "fastPath": {"enabled": false, "queueCapacity": 64},
         "metrics": {"enabled": false, "registryName": "app"},
         "history": {"maxEntries": 0, "ttlSeconds": 0},
         "defaults": {"failureThreshold": 3, "resetTimeoutMs": 5000, "halfOpenMaxCalls": 2}}
        """);

    // When it is read
    TripstateConfig config = TripstateConfig.from(json);

    // Then each value is the configured one
    assertThat(config.address()).isEqualTo("cb");
    assertThat(config.transitionsAddress()).isEqualTo("cb.events");
    assertThat(config.maxBreakers()).isEqualTo(50);
    assertThat(config.persistence()).extracting(PersistenceConfig::enabled, PersistenceConfig::keyPrefix,
            PersistenceConfig::openTtlSeconds, PersistenceConfig::ttlSeconds, PersistenceConfig::commandTimeoutMs,
            PersistenceConfig::restoreTimeoutMs, PersistenceConfig::counterFlushMs)
        .containsExactly(false, "svc:", 600L, 60L, 250L, 900L, 200L);
    assertThat(config.http()).isEqualTo(new HttpConfig("0.0.0.0", 0, null, null, HttpConfig.DEFAULT_MAX_BODY_BYTES,
        HttpConfig.DEFAULT_EVENTS_KEEP_ALIVE_MS));
    assertThat(config.fastPath()).isEqualTo(new FastPathConfig(false, 64));
    assertThat(config.metrics()).isEqualTo(new MetricsConfig(false, "app"));
    assertThat(config.history()).isEqualTo(new HistoryConfig(0, 0));
    assertThat(config.history().enabled()).as("maxEntries 0 keeps no history").isFalse();
    assertThat(config.settingsFor("any")).as("persistence's key TTLs are the breakers' defaults")
        .isEqualTo(breaker(3, 5_000, 2).toBuilder().openTtlSeconds(600).ttlSeconds(60).build());
  }

  @Test
  void keyTtlsAreSetPerBreakerUnderDefaultsAndBreakersOverPersistence() {
    // Given TTLs in persistence (the older place), and overrides in defaults and for one breaker
    JsonObject json = new JsonObject("""
        {"persistence": {"openTtlSeconds": 600},
         "defaults": {"ttlSeconds": 120},
         "breakers": {"payments": {"openTtlSeconds": 0, "ttlSeconds": 30}, "search": {}}}
        """);

    // When it is read
    TripstateConfig config = TripstateConfig.from(json);

    // Then a breaker's own TTLs win, then defaults, then persistence, then the built-in ones
    assertThat(config.settingsFor("payments")).extracting(BreakerSettings::openTtlSeconds, BreakerSettings::ttlSeconds)
        .containsExactly(0L, 30L);
    assertThat(config.settingsFor("search")).extracting(BreakerSettings::openTtlSeconds, BreakerSettings::ttlSeconds)
        .containsExactly(600L, 120L);
    assertThat(config.settingsFor("unlisted")).extracting(BreakerSettings::openTtlSeconds,
        BreakerSettings::ttlSeconds).containsExactly(600L, 120L);
    assertThat(TripstateConfig.from(new JsonObject()).settingsFor("any")).extracting(BreakerSettings::openTtlSeconds,
        BreakerSettings::ttlSeconds).containsExactly(86_400L, 3_600L);
  }

  @Test
  void aKeyTtlSetDifferentlyInPersistenceAndDefaultsIsRefusedNamingBoth() {
    // Given ttlSeconds set in both places, to different values
    JsonObject json = new JsonObject("""
        {"persistence": {"ttlSeconds": 3600}, "defaults": {"ttlSeconds": 60}}
        """);

    // When it is read, Then it fails naming the defaults key, its value and the persistence key it contradicts
    assertThatThrownBy(() -> TripstateConfig.from(json)).isInstanceOf(ConfigException.class)
        .hasMessageContaining("defaults.ttlSeconds").hasMessageContaining("60")
        .hasMessageContaining("persistence.ttlSeconds");
    assertThat(TripstateConfig.from(new JsonObject("""
        {"persistence": {"ttlSeconds": 60}, "defaults": {"ttlSeconds": 60}}
        """)).settingsFor("x").ttlSeconds()).as("the same value in both places is fine").isEqualTo(60);
  }

  @Test
  void aBreakerSectionOverridesDefaultsFieldByFieldAndInheritsTheRestFromDefaults() {
    // Given configured defaults and two partial per-breaker sections
    JsonObject json = new JsonObject("""
        {"defaults": {"failureThreshold": 7, "resetTimeoutMs": 1000},
         "breakers": {"payments": {"halfOpenMaxCalls": 3},
                      "search": {"failureThreshold": 2, "resetTimeoutMs": 60000}}}
        """);

    // When it is read
    TripstateConfig config = TripstateConfig.from(json);

    // Then each breaker takes its own fields, and the others from `defaults` (not from the built-in defaults)
    assertThat(config.settingsFor("payments")).isEqualTo(breaker(7, 1_000, 3));
    assertThat(config.settingsFor("search")).isEqualTo(breaker(2, 60_000, 1));
    assertThat(config.settingsFor("unlisted")).isEqualTo(breaker(7, 1_000, 1));
  }

  @Test
  void anEmptyBreakerSectionMeansExactlyTheDefaults() {
    // Given a breaker listed without any field of its own
    JsonObject json = new JsonObject("""
        {"defaults": {"halfOpenMaxCalls": 4}, "breakers": {"payments": {}}}
        """);

    // When it is read
    TripstateConfig config = TripstateConfig.from(json);

    // Then it gets the configured defaults
    assertThat(config.settingsFor("payments")).isEqualTo(breaker(5, 30_000, 4));
  }

  @ParameterizedTest(name = "{1} = {2}")
  @CsvSource(delimiter = '|', textBlock = """
      {"maxBreakers": 0}                                            | maxBreakers                      | 0
      {"maxBreakers": "100"}                                        | maxBreakers                      | 100
      {"maxBreakers": 2.5}                                          | maxBreakers                      | 2.5
      {"address": ""}                                               | address                          | ""
      {"transitionsAddress": 5}                                     | transitionsAddress               | 5
      {"persistence": {"commandTimeoutMs": -1}}                     | persistence.commandTimeoutMs     | -1
      {"persistence": {"restoreTimeoutMs": 0}}                      | persistence.restoreTimeoutMs     | 0
      {"persistence": {"counterFlushMs": 0}}                        | persistence.counterFlushMs       | 0
      {"persistence": {"openTtlSeconds": -5}}                       | persistence.openTtlSeconds       | -5
      {"persistence": {"ttlSeconds": "1h"}}                         | persistence.ttlSeconds           | 1h
      {"persistence": {"enabled": "yes"}}                           | persistence.enabled              | yes
      {"persistence": {"keyPrefix": " "}}                           | persistence.keyPrefix            | " "
      {"persistence": "off"}                                        | persistence                      | off
      {"defaults": {"failureThreshold": 0}}                         | defaults.failureThreshold        | 0
      {"defaults": {"halfOpenMaxCalls": 0}}                         | defaults.halfOpenMaxCalls        | 0
      {"breakers": {"x": {"resetTimeoutMs": 1.5}}}                  | breakers.x.resetTimeoutMs        | 1.5
      {"breakers": {"x": {"failureThreshold": -3}}}                 | breakers.x.failureThreshold      | -3
      {"breakers": {"x": 5}}                                        | breakers.x                       | 5
      {"defaults": {"ttlSeconds": -1}}                              | defaults.ttlSeconds              | -1
      {"breakers": {"x": {"openTtlSeconds": 31536001}}}             | breakers.x.openTtlSeconds        | 31536001
      {"breakers": {"x": {"openTtlSeconds": "1d"}}}                 | breakers.x.openTtlSeconds        | 1d
      {"http": {"port": 70000}}                                     | http.port                        | 70000
      {"http": {"port": -1}}                                        | http.port                        | -1
      {"http": {"port": "8080"}}                                    | http.port                        | 8080
      {"http": {"host": ""}}                                        | http.host                        | ""
      {"http": {"eventsKeepAliveMs": -1}}                           | http.eventsKeepAliveMs           | -1
      {"fastPath": {"enabled": 1}}                                  | fastPath.enabled                 | 1
      {"fastPath": {"queueCapacity": 0}}                            | fastPath.queueCapacity           | 0
      {"fastPath": {"queueCapacity": 8388608}}                      | fastPath.queueCapacity           | 8388608
      {"metrics": {"enabled": "yes"}}                               | metrics.enabled                  | yes
      {"metrics": {"registryName": ""}}                             | metrics.registryName             | ""
      {"metrics": true}                                             | metrics                          | true
      {"redis": {"connectionString": "http://x"}}                   | redis.connectionString           | http://x
      {"redis": {"connectionString": "redis://"}}                   | redis.connectionString           | redis://
      {"redis": {"connectionString": "redis://bad host:6379"}}      | redis.connectionString           | redis://bad host:6379
      {"redis": {"maxPoolSize": "many"}}                            | redis.maxPoolSize                | many
      {"redis": {"endpoints": []}}                                  | redis.endpoints                  | []
      {"redis": {"endpoints": ["redis://a:1", 7]}}                  | redis.endpoints                  | 7
      {"redis": {"endpoints": ["redis://a:1", "http://b:2"]}}       | redis.endpoints                  | http://b:2
      {"redis": {"endpoints": ["redis://a:1"], "connectionString": "redis://a:1"}} | redis.endpoints | connectionString
      {"redis": {"type": "GALAXY"}}                                 | redis.type                       | GALAXY
      {"cluster": {"scope": "galaxy"}}                              | cluster.scope                    | galaxy
      {"cluster": {"lockTimeoutMs": 0}}                             | cluster.lockTimeoutMs            | 0
      {"cluster": {"standby": "yes"}}                               | cluster.standby                  | yes
      {"cluster": {"standby": true}}                                | cluster.standby                  | true
      {"history": {"maxEntries": -1}}                               | history.maxEntries               | -1
      {"history": {"maxEntries": 100001}}                           | history.maxEntries               | 100001
      {"history": {"maxEntries": "1000"}}                           | history.maxEntries               | 1000
      {"history": {"ttlSeconds": -1}}                               | history.ttlSeconds               | -1
      {"history": {"ttlSeconds": 1.5}}                              | history.ttlSeconds               | 1.5
      {"history": 7}                                                | history                          | 7
      {"sharing": {"enabled": "yes"}}                               | sharing.enabled                  | yes
      {"sharing": {"instanceId": "two words"}}                      | sharing.instanceId               | two words
      {"sharing": {"resyncMs": 10}}                                 | sharing.resyncMs                 | 10
      {"sharing": {"openQuorum": 0}}                                | sharing.openQuorum               | 0
      {"sharing": {"streamMaxLength": 5}}                           | sharing.streamMaxLength          | 5
      {"sharing": {"enabled": true}, "persistence": {"enabled": false}} | sharing.enabled              | true
      {"sharing": {"enabled": true}, "breakers": {"x": {"shared": 1}}} | breakers.x.shared             | 1
      """)
  void anInvalidValueFailsWithAMessageNamingTheFullKeyAndTheValue(String json, String key, String value) {
    assertRejectedNaming(json, key, value);
  }

  @Test
  void aBreakerIsSharedWhenSharingIsOnUnlessItOptsOut() {
    // Given sharing on, one breaker kept local and defaults that say nothing
    TripstateConfig config = TripstateConfig.from(new JsonObject("""
        {"sharing": {"enabled": true, "instanceId": "web-1"}, "breakers": {"local": {"shared": false}}}"""));

    // Then every breaker is shared but that one; with sharing off, none is, whatever it says
    assertThat(config.shared("payments")).isTrue();
    assertThat(config.shared("local")).isFalse();
    assertThat(config.sharing().instanceId()).isEqualTo("web-1");
    assertThat(TripstateConfig.from(new JsonObject("""
        {"breakers": {"x": {"shared": true}}}""")).shared("x")).isFalse();
    assertThat(TripstateConfig.from(new JsonObject()).sharing().instanceId()).matches("[A-Za-z0-9._-]+-[0-9a-f]{8}");
  }

  /** Reading {@code json} fails with a ConfigException naming the full key and the value. */
  private static void assertRejectedNaming(String json, String key, String value) {
    // Given a config with one invalid value
    JsonObject config = new JsonObject(json);

    // When it is read
    ConfigException error = catchThrowableOfType(ConfigException.class, () -> TripstateConfig.from(config));

    // Then it fails naming the full key and the value
    assertThat(error).as("%s must be rejected", json).isNotNull();
    assertThat(error.key()).isEqualTo(key);
    assertThat(error.getMessage()).contains(key).contains(value);
  }

  @ParameterizedTest
  @ValueSource(strings = {"{\"http\": {\"apiToken\": \"\"}}", "{\"http\": {\"apiToken\": 12345}}",
      "{\"http\": {\"adminToken\": [\"s3cret\"]}}"})
  void aWrongTokenIsRefusedNamingTheKeyButNotTheValue(String json) {
    // Given a token that is not a non-empty string
    // When the config is read
    ConfigException error = catchThrowableOfType(ConfigException.class, () -> TripstateConfig.from(new JsonObject(json)));

    // Then the error names the key and masks the value
    assertThat(error).isNotNull();
    assertThat(error.key()).matches("http\\.(apiToken|adminToken)");
    assertThat(error.getMessage()).contains("***").doesNotContain("12345").doesNotContain("s3cret");
  }

  @Test
  void theApiTokenMustDifferFromTheAdminToken() {
    // Given the same token for the admin routes and the decision API
    JsonObject json = new JsonObject().put("http", new JsonObject().put("adminToken", "same-s3cret")
        .put("apiToken", "same-s3cret"));

    // When the config is read
    ConfigException error = catchThrowableOfType(ConfigException.class, () -> TripstateConfig.from(json));

    // Then it is refused, since a service's token would then open the admin routes
    assertThat(error).isNotNull();
    assertThat(error.key()).isEqualTo("http.apiToken");
    assertThat(error.getMessage()).contains("must differ from http.adminToken").doesNotContain("same-s3cret");
  }

  @Test
  void anInvalidRedisUrlIsReportedWithoutItsPassword() {
    // Given a Redis URL with a password and a wrong scheme
    JsonObject config = new JsonObject().put("redis", new JsonObject().put("connectionString", "http://u:s3cret@x"));

    // When it is read, Then the error names the key but masks the password
    assertThatThrownBy(() -> TripstateConfig.from(config))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("redis.connectionString")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void anUnparsableRedisUrlIsReportedWithoutItsPassword() {
    // Given a Redis URL with a password that java.net.URI cannot parse (a space in the host)
    JsonObject config = new JsonObject().put("redis", new JsonObject().put("connectionString", "redis://u:s3cret@bad host:6379"));

    // When it is read, Then the error names the key but never shows the password (it ends up in logs)
    assertThatThrownBy(() -> TripstateConfig.from(config))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("redis.connectionString")
        .hasMessageNotContaining("s3cret");
  }

  @Test
  void redisOptionsUseTheConfiguredUrlAndTheOtherRedisFields() {
    // Given a redis section with a URL and other RedisOptions fields
    JsonObject json = new JsonObject("""
        {"redis": {"connectionString": "redis://cache.internal:6380/2", "maxPoolSize": 12, "password": "s3cret",
                   "maxWaitingHandlers": 77}}
        """);

    // When the client options are built
    RedisOptions options = TripstateConfig.from(json).redisOptions();

    // Then they point at the configured server, not at localhost:6379, and carry the other fields
    assertThat(options.getEndpoints()).containsExactly("redis://cache.internal:6380/2");
    assertThat(options.getEndpoint()).isEqualTo("redis://cache.internal:6380/2");
    assertThat(options.getMaxPoolSize()).isEqualTo(12);
    assertThat(options.getPassword()).isEqualTo("s3cret");
    assertThat(options.getMaxWaitingHandlers()).isEqualTo(77);
  }

  @Test
  void redisEndpointsAloneConfigureAClusterClient() {
    // Given a Redis Cluster configured by its nodes, without a connectionString
    JsonObject json = new JsonObject("""
        {"redis": {"type": "CLUSTER", "endpoints": ["redis://127.0.0.1:7001", "redis://:pw@127.0.0.1:7002"]}}
        """);

    // When the client options are built
    TripstateConfig config = TripstateConfig.from(json);
    RedisOptions options = config.redisOptions();

    // Then the endpoints are kept (not replaced by the default URL) and the description masks passwords
    assertThat(options.getType()).isEqualTo(RedisClientType.CLUSTER);
    assertThat(options.getEndpoints()).containsExactly("redis://127.0.0.1:7001", "redis://:pw@127.0.0.1:7002");
    assertThat(config.redisDescription()).isEqualTo("redis://127.0.0.1:7001,redis://***@127.0.0.1:7002");
  }

  @Test
  void redisOptionsAreAFreshCopyThatACallerCannotChangeForTheNextCaller() {
    // Given a config with a Redis URL and a pool size
    TripstateConfig config = TripstateConfig.from(new JsonObject("""
        {"redis": {"connectionString": "redis://cache.internal:6380", "maxPoolSize": 12}}
        """));

    // When one caller changes the options it was given
    RedisOptions first = config.redisOptions();
    first.setConnectionString("redis://elsewhere:1");
    first.setMaxPoolSize(99);

    // Then the next caller still gets the configured ones
    RedisOptions second = config.redisOptions();
    assertThat(second.getMaxPoolSize()).isEqualTo(12);
    assertThat(second.getEndpoints()).containsExactly("redis://cache.internal:6380");
  }

  @ParameterizedTest
  @ValueSource(strings = {"redis://:s3cret@cache:6379/1", "redis://app:s3cret@cache:6379", "rediss://default:s3cret@cache"})
  void redisDescriptionMasksThePasswordInTheUrl(String url) {
    // Given a Redis URL with a password
    TripstateConfig config = TripstateConfig.from(new JsonObject().put("redis", new JsonObject().put("connectionString", url)));

    // When it is described for logs and status
    String description = config.redisDescription();

    // Then the password is masked, and host and port are still shown
    assertThat(description).doesNotContain("s3cret").contains("***").contains("cache");
    // while the client itself still gets the real URL
    assertThat(config.redisOptions().getEndpoints()).containsExactly(url);
  }

  @Test
  void redisDescriptionShowsAUrlWithoutPasswordAsIs() {
    // Given a Redis URL without credentials
    TripstateConfig config = TripstateConfig.from(
        new JsonObject().put("redis", new JsonObject().put("connectionString", "redis://cache:6390/3")));

    // When it is described, Then nothing is masked
    assertThat(config.redisDescription()).isEqualTo("redis://cache:6390/3");
  }

  @Test
  void unknownKeysReportsEveryTypoWithItsFullPath() {
    // Given a config with typos at every level
    JsonObject json = new JsonObject("""
        {"adress": "x",
         "persistence": {"comandTimeoutMs": 5, "enabled": true},
         "http": {"prot": 8080},
         "metrics": {"enable": false},
         "defaults": {"failureTreshold": 3},
         "breakers": {"payments": {"resetTimeout": 100, "halfOpenMaxCalls": 2}},
         "redis": {"conectionString": "redis://cache:6379"}}
        """);
    List<String> reported = new ArrayList<>();

    // When unknown keys are looked for
    TripstateConfig.unknownKeys(json, reported::add);

    // Then each typo is reported with its full dotted path, and nothing else
    assertThat(reported).containsExactlyInAnyOrder("adress", "persistence.comandTimeoutMs", "http.prot",
        "metrics.enable",
        "defaults.failureTreshold", "breakers.payments.resetTimeout", "redis.conectionString");
  }

  @Test
  void unknownKeysReportsNothingForAConfigThatUsesEveryKnownKey() {
    // Given a config with every documented key, and RedisOptions fields in the redis section
    JsonObject json = new JsonObject("""
        {"address": "tripstate", "transitionsAddress": "tripstate.transitions", "maxBreakers": 10000,
         "redis": {"connectionString": "redis://127.0.0.1:6379", "maxPoolSize": 6, "password": "p",
                   "maxWaitingHandlers": 2048},
         "persistence": {"enabled": true, "keyPrefix": "circuit_breaker:", "openTtlSeconds": 86400,
                         "ttlSeconds": 3600, "commandTimeoutMs": 1000, "restoreTimeoutMs": 3000,
                         "counterFlushMs": 1000},
         "http": {"host": "127.0.0.1", "port": 8081},
         "fastPath": {"enabled": true, "queueCapacity": 16384},
         "metrics": {"enabled": true, "registryName": "default"},
         "defaults": {"failureThreshold": 5, "resetTimeoutMs": 30000, "halfOpenMaxCalls": 1},
         "breakers": {"payments": {"failureThreshold": 3}}}
        """);
    List<String> reported = new ArrayList<>();

    // When unknown keys are looked for
    TripstateConfig.unknownKeys(json, reported::add);

    // Then none is reported, and the same config is valid
    assertThat(reported).isEmpty();
    assertThat(TripstateConfig.from(json).settingsFor("payments").failureThreshold()).isEqualTo(3);
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(delimiter = '|', textBlock = """
      failureThreshold          | 5
      resetTimeoutMs            | 30000
      halfOpenMaxCalls          | 1
      successThreshold          | 1
      permitTimeoutMs           | 60000
      window.type               | consecutive
      window.size               | 100
      window.minimumCalls       | 100
      failureRateThreshold      | 50
      slowCallRateThreshold     | 100
      slowCallDurationMs        | 60000
      backoff.multiplier        | 1.0
      backoff.maxResetTimeoutMs | 600000
      callTimeoutMs             | 10000
      failureCodes              | []
      openTtlSeconds            | 86400
      ttlSeconds                | 3600
      """)
  void everyBreakerKeyHasItsDocumentedDefault(String key, String expected) {
    // Given a config without `defaults` or `breakers`

    // When it is read
    BreakerSettings settings = TripstateConfig.from(new JsonObject()).settingsFor("any");

    // Then the key has its documented default, the same as the pure breaker's
    assertThat(field(settings, key)).isEqualTo(expected);
    assertThat(field(BreakerSettings.DEFAULTS, key)).isEqualTo(expected);
  }

  @ParameterizedTest(name = "{0}: payments {1}, unlisted {2}")
  @CsvSource(delimiter = '|', textBlock = """
      failureThreshold          | 7          | 7
      resetTimeoutMs            | 5000       | 30000
      halfOpenMaxCalls          | 3          | 1
      successThreshold          | 2          | 2
      permitTimeoutMs           | 15000      | 60000
      window.type               | count      | count
      window.size               | 200        | 50
      window.minimumCalls       | 20         | 20
      failureRateThreshold      | 25         | 50
      slowCallRateThreshold     | 80         | 100
      slowCallDurationMs        | 2000       | 2000
      backoff.multiplier        | 1.5        | 2.0
      backoff.maxResetTimeoutMs | 120000     | 120000
      callTimeoutMs             | 3000       | 10000
      failureCodes              | [408, 429] | [429]
      openTtlSeconds            | 60         | 86400
      ttlSeconds                | 0          | 7200
      """)
  void aBreakerSectionOverridesDefaultsFieldByFieldInsideWindowAndBackoffToo(String key, String payments,
      String unlisted) {
    // Given defaults that set some keys, and a breaker section that overrides others, some inside nested objects
    JsonObject json = new JsonObject("""
        {"defaults": {"failureThreshold": 7, "successThreshold": 2, "slowCallDurationMs": 2000,
                      "window": {"type": "count", "size": 50, "minimumCalls": 20},
                      "backoff": {"multiplier": 2.0, "maxResetTimeoutMs": 120000}, "failureCodes": [429],
                      "ttlSeconds": 7200},
         "breakers": {"payments": {"resetTimeoutMs": 5000, "halfOpenMaxCalls": 3, "permitTimeoutMs": 15000,
                                   "window": {"size": 200}, "failureRateThreshold": 25,
                                   "slowCallRateThreshold": 80, "backoff": {"multiplier": 1.5},
                                   "callTimeoutMs": 3000, "failureCodes": [408, 429],
                                   "openTtlSeconds": 60, "ttlSeconds": 0}}}
        """);

    // When it is read
    TripstateConfig config = TripstateConfig.from(json);

    // Then the breaker takes its own fields, the rest from `defaults` (nested fields one by one), and an
    // unlisted breaker takes `defaults`, the rest built in
    assertThat(field(config.settingsFor("payments"), key)).isEqualTo(payments);
    assertThat(field(config.settingsFor("unlisted"), key)).isEqualTo(unlisted);
  }

  @Test
  void aBreakerWithALargerCountWindowDoesNotInheritTheMinimumCallsCapOfTheDefaultsWindow() {
    // Given default count windows of 10 calls (minimumCalls, 100 by default, is capped at 10 there)
    JsonObject json = new JsonObject("""
        {"defaults": {"window": {"type": "count", "size": 10}},
         "breakers": {"payments": {"window": {"size": 500}}}}
        """);

    // When it is read
    TripstateConfig config = TripstateConfig.from(json);

    // Then the breaker with 500 calls gets the configured minimumCalls (the default 100), not the cap
    assertThat(config.settingsFor("any").window()).isEqualTo(new BreakerSettings.Window(WindowType.COUNT, 10, 10));
    assertThat(config.settingsFor("payments").window())
        .isEqualTo(new BreakerSettings.Window(WindowType.COUNT, 500, 100));
  }

  @ParameterizedTest(name = "{1} = {2}")
  @CsvSource(delimiter = '|', textBlock = """
      {"defaults": {"window": {"type": "sliding"}}} | defaults.window.type | sliding
      {"breakers": {"payments": {"window": {"type": "sliding"}}}} | breakers.payments.window.type | sliding
      {"defaults": {"window": {"type": 3}}} | defaults.window.type | 3
      {"defaults": {"window": {"size": 0}}} | defaults.window.size | 0
      {"breakers": {"payments": {"window": {"size": 10001}}}} | breakers.payments.window.size | 10001
      {"defaults": {"window": {"minimumCalls": 0}}} | defaults.window.minimumCalls | 0
      {"defaults": {"window": "count"}} | defaults.window | count
      {"defaults": {"failureRateThreshold": 101}} | defaults.failureRateThreshold | 101
      {"breakers": {"payments": {"failureRateThreshold": 0}}} | breakers.payments.failureRateThreshold | 0
      {"defaults": {"slowCallRateThreshold": 101}} | defaults.slowCallRateThreshold | 101
      {"defaults": {"slowCallDurationMs": 0}} | defaults.slowCallDurationMs | 0
      {"defaults": {"successThreshold": 0}} | defaults.successThreshold | 0
      {"defaults": {"permitTimeoutMs": -1}} | defaults.permitTimeoutMs | -1
      {"defaults": {"callTimeoutMs": 0}} | defaults.callTimeoutMs | 0
      {"breakers": {"payments": {"callTimeoutMs": 3600001}}} | breakers.payments.callTimeoutMs | 3600001
      {"defaults": {"backoff": {"multiplier": 0.5}}} | defaults.backoff.multiplier | 0.5
      {"breakers": {"payments": {"backoff": {"multiplier": "2"}}}} | breakers.payments.backoff.multiplier | 2
      {"defaults": {"backoff": {"maxResetTimeoutMs": 0}}} | defaults.backoff.maxResetTimeoutMs | 0
      {"defaults": {"backoff": 2}} | defaults.backoff | 2
      {"breakers": {"payments": {"backoff": {"multiplier": 2, "maxResetTimeoutMs": 1000}}}} | breakers.payments.backoff.maxResetTimeoutMs | 1000
      {"defaults": {"backoff": {"multiplier": 2, "maxResetTimeoutMs": 60000}}, "breakers": {"payments": {"resetTimeoutMs": 120000}}} | breakers.payments.backoff.maxResetTimeoutMs | 60000
      {"defaults": {"failureCodes": ["x"]}} | defaults.failureCodes[0] | x
      {"breakers": {"payments": {"failureCodes": [429, 2.5]}}} | breakers.payments.failureCodes[1] | 2.5
      {"defaults": {"failureCodes": 5}} | defaults.failureCodes | 5
      """)
  void anInvalidBreakerPolicyValueFailsWithAMessageNamingTheFullKeyAndTheValue(String json, String key,
      String value) {
    assertRejectedNaming(json, key, value);
  }

  @Test
  void aBackoffMaximumBelowTheResetTimeoutSaysWhichMinimumItMisses() {
    // Given backoff on, with a maximum open time below the first one
    JsonObject json = new JsonObject("""
        {"breakers": {"payments": {"resetTimeoutMs": 60000,
                                   "backoff": {"multiplier": 2, "maxResetTimeoutMs": 1000}}}}
        """);

    // When it is read, Then the message names the field, its value and the rule it breaks
    assertThatThrownBy(() -> TripstateConfig.from(json))
        .isInstanceOf(ConfigException.class)
        .hasMessage("invalid config 'breakers.payments.backoff.maxResetTimeoutMs' = 1000: "
            + "must be at least resetTimeoutMs (60000), was 1000");
  }

  @Test
  void aBackoffMaximumBelowTheResetTimeoutIsFineWhileBackoffIsOff() {
    // Given a maximum open time below the reset timeout, with the default multiplier 1.0 (backoff off)
    JsonObject json = new JsonObject("""
        {"defaults": {"resetTimeoutMs": 60000, "backoff": {"maxResetTimeoutMs": 1000}}}
        """);

    // When it is read, Then the maximum is not used, so it is not refused
    assertThat(TripstateConfig.from(json).settingsFor("any").maxOpenTimeoutMs()).isEqualTo(60_000);
  }

  @Test
  void unknownKeysReportsTyposInsideWindowAndBackoffWithTheirFullPath() {
    // Given typos inside nested breaker objects, and next to them
    JsonObject json = new JsonObject("""
        {"defaults": {"window": {"sise": 10, "type": "count"}, "backof": {"multiplier": 2}},
         "breakers": {"payments": {"backoff": {"multipler": 2, "maxResetTimeoutMs": 60000},
                                   "failureCode": [429], "failureCodes": [408]}}}
        """);
    List<String> reported = new ArrayList<>();

    // When unknown keys are looked for
    TripstateConfig.unknownKeys(json, reported::add);

    // Then each typo is reported with its full dotted path, and nothing else
    assertThat(reported).containsExactlyInAnyOrder("defaults.window.sise", "defaults.backof",
        "breakers.payments.backoff.multipler", "breakers.payments.failureCode");
  }

  @Test
  void theShippedConfigFileHoldsEveryBreakerKeyWithItsDefault() throws Exception {
    // Given conf/config.json as shipped
    JsonObject defaults = new JsonObject(Files.readString(Path.of("conf", "config.json"))).getJsonObject("defaults");

    for (String key : BREAKER_KEYS) {
      // When a breaker key is looked up in its `defaults`
      Object value = jsonAt(defaults, key);

      // Then it is there, with the built-in default
      assertThat(value).as("defaults.%s in conf/config.json", key).isNotNull();
      assertThat(String.valueOf(value)).as("defaults.%s in conf/config.json", key)
          .isEqualTo(field(BreakerSettings.DEFAULTS, key));
    }
  }

  private static BreakerSettings breaker(int failureThreshold, long resetTimeoutMs, int halfOpenMaxCalls) {
    return BreakerSettings.builder().failureThreshold(failureThreshold).resetTimeoutMs(resetTimeoutMs)
        .halfOpenMaxCalls(halfOpenMaxCalls).build();
  }

  /** The value of a dotted breaker key, as it is written in JSON (codes sorted). */
  private static String field(BreakerSettings settings, String key) {
    Object value = switch (key) {
      case "failureThreshold" -> settings.failureThreshold();
      case "resetTimeoutMs" -> settings.resetTimeoutMs();
      case "halfOpenMaxCalls" -> settings.halfOpenMaxCalls();
      case "successThreshold" -> settings.successThreshold();
      case "permitTimeoutMs" -> settings.permitTimeoutMs();
      case "window.type" -> settings.window().type().wireName();
      case "window.size" -> settings.window().size();
      case "window.minimumCalls" -> settings.window().minimumCalls();
      case "failureRateThreshold" -> settings.failureRateThreshold();
      case "slowCallRateThreshold" -> settings.slowCallRateThreshold();
      case "slowCallDurationMs" -> settings.slowCallDurationMs();
      case "backoff.multiplier" -> settings.backoff().multiplier();
      case "backoff.maxResetTimeoutMs" -> settings.backoff().maxResetTimeoutMs();
      case "callTimeoutMs" -> settings.callTimeoutMs();
      case "failureCodes" -> new TreeSet<>(settings.failureCodes());
      case "openTtlSeconds" -> settings.openTtlSeconds();
      case "ttlSeconds" -> settings.ttlSeconds();
      default -> throw new IllegalArgumentException("not a breaker key: " + key);
    };
    return String.valueOf(value);
  }

  private static Object jsonAt(JsonObject json, String dottedKey) {
    String[] parts = dottedKey.split("\\.");
    JsonObject section = json;
    for (int i = 0; i < parts.length - 1; i++) {
      section = section.getJsonObject(parts[i], new JsonObject());
    }
    return section.getValue(parts[parts.length - 1]);
  }
}
