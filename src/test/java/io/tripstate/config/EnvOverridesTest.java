package io.tripstate.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.RedisOptions;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** The environment overrides of the standalone app (issue 2, section 6), applied to a deployment config. */
class EnvOverridesTest {
  private static final JsonObject CONFIGURED = new JsonObject("""
      {"redis": {"connectionString": "redis://cache.internal:6380/2", "maxPoolSize": 4},
       "persistence": {"enabled": true, "keyPrefix": "svc:"},
       "http": {"host": "0.0.0.0"}}
      """);

  private static String url(JsonObject config) {
    return config.getJsonObject("redis").getString("connectionString");
  }

  @Test
  void tokenVariablesSetTheAdminAndApiTokensWhichAreNeverPrinted() {
    // Given a config without tokens
    // When both token variables are set
    JsonObject result = EnvOverrides.apply(CONFIGURED,
        Map.of("TRIPSTATE_ADMIN_TOKEN", "admin-s3cret", "TRIPSTATE_API_TOKEN", "api-s3cret"));

    // Then they become http.adminToken and http.apiToken, the rest of the section is kept, and neither is shown
    HttpConfig http = TripstateConfig.from(result).http();
    assertThat(http.adminToken()).isEqualTo("admin-s3cret");
    assertThat(http.apiToken()).isEqualTo("api-s3cret");
    assertThat(http.host()).isEqualTo("0.0.0.0");
    assertThat(http.toString()).doesNotContain("s3cret");
  }

  @Test
  void sharingVariablesTurnSharingOnUnderTheGivenInstanceId() {
    // Given a config without a sharing section
    // When TRIPSTATE_SHARING and TRIPSTATE_INSTANCE_ID are set
    JsonObject result = EnvOverrides.apply(CONFIGURED,
        Map.of("TRIPSTATE_SHARING", "true", "TRIPSTATE_INSTANCE_ID", "web-7"));

    // Then sharing is on with that id; a flag that is not true/false is refused naming the variable
    SharingConfig sharing = TripstateConfig.from(result).sharing();
    assertThat(sharing.enabled()).isTrue();
    assertThat(sharing.instanceId()).isEqualTo("web-7");
    assertThatThrownBy(() -> EnvOverrides.apply(CONFIGURED, Map.of("TRIPSTATE_SHARING", "maybe")))
        .hasMessageContaining("TRIPSTATE_SHARING");
    assertThatThrownBy(() -> TripstateConfig.from(EnvOverrides.apply(CONFIGURED,
        Map.of("TRIPSTATE_INSTANCE_ID", "has space")))).hasMessageContaining("sharing.instanceId");
  }

  @Test
  void aBlankTokenVariableLeavesTheConfiguredToken() {
    // Given a configured admin token
    JsonObject config = new JsonObject().put("http", new JsonObject().put("adminToken", "from-file"));

    // When the variables are set but blank
    JsonObject result = EnvOverrides.apply(config, Map.of("TRIPSTATE_ADMIN_TOKEN", " ", "TRIPSTATE_API_TOKEN", ""));

    // Then nothing changes
    assertThat(result.getJsonObject("http").getString("adminToken")).isEqualTo("from-file");
    assertThat(result.getJsonObject("http").containsKey("apiToken")).isFalse();
  }

  @Test
  void redisUrlReplacesTheConfiguredUrlWhole() {
    // Given a configured Redis URL
    // When REDIS_URL is set
    JsonObject result = EnvOverrides.apply(CONFIGURED, Map.of("REDIS_URL", "redis://other:7000/5"));

    // Then the URL is replaced, and the rest of the redis section is kept
    assertThat(url(result)).isEqualTo("redis://other:7000/5");
    assertThat(result.getJsonObject("redis").getInteger("maxPoolSize")).isEqualTo(4);
    assertThat(TripstateConfig.from(result).redisOptions().getEndpoints()).containsExactly("redis://other:7000/5");
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', textBlock = """
      REDIS_HOST | redis.example | redis://redis.example:6380/2
      REDIS_PORT | 6390          | redis://cache.internal:6390/2
      REDIS_DB   | 7             | redis://cache.internal:6380/7
      """)
  void eachRedisPartVariableReplacesThatPartOfTheConfiguredUrl(String variable, String value, String expected) {
    // Given a configured Redis URL
    // When one part is overridden
    JsonObject result = EnvOverrides.apply(CONFIGURED, Map.of(variable, value));

    // Then only that part changes
    assertThat(url(result)).isEqualTo(expected);
  }

  @Test
  void partVariablesApplyTogetherOnTopOfRedisUrl() {
    // Given REDIS_URL and every part variable
    Map<String, String> env = Map.of("REDIS_URL", "redis://base:1111/1", "REDIS_HOST", "h", "REDIS_PORT", "2222",
        "REDIS_DB", "3");

    // When applied
    JsonObject result = EnvOverrides.apply(CONFIGURED, env);

    // Then the parts replace those of REDIS_URL
    assertThat(url(result)).isEqualTo("redis://h:2222/3");
  }

  @Test
  void partVariablesWithoutAnyConfiguredUrlChangeTheDefaultUrl() {
    // Given a config without a redis section
    // When only REDIS_PORT is set
    JsonObject result = EnvOverrides.apply(new JsonObject(), Map.of("REDIS_PORT", "6390"));

    // Then the default host is used with that port
    assertThat(url(result)).isEqualTo("redis://127.0.0.1:6390");
  }

  @Test
  void partVariablesKeepTheUserOfTheConfiguredUrl() {
    // Given a configured URL with a user
    JsonObject config = new JsonObject().put("redis", new JsonObject().put("connectionString", "redis://app@cache:6379/0"));

    // When the database is overridden
    JsonObject result = EnvOverrides.apply(config, Map.of("REDIS_DB", "4"));

    // Then the user stays
    assertThat(url(result)).isEqualTo("redis://app@cache:6379/4");
  }

  @Test
  void redisPasswordGoesToTheRedisOptionsAndNotIntoTheUrl() {
    // Given a configured URL without a password
    // When REDIS_PASSWORD is set
    JsonObject result = EnvOverrides.apply(CONFIGURED, Map.of("REDIS_PASSWORD", "s3cret"));

    // Then it is redis.password, and the URL (which is logged) does not carry it
    assertThat(result.getJsonObject("redis").getString("password")).isEqualTo("s3cret");
    assertThat(url(result)).isEqualTo("redis://cache.internal:6380/2").doesNotContain("s3cret");
    TripstateConfig config = TripstateConfig.from(result);
    assertThat(config.redisOptions().getPassword()).isEqualTo("s3cret");
    assertThat(config.redisDescription()).doesNotContain("s3cret");
  }

  @Test
  void redisPasswordWinsOverAPasswordInTheConfiguredUrl() {
    // Given a configured URL that carries an old password
    JsonObject config = new JsonObject().put("redis", new JsonObject().put("connectionString", "redis://:old@cache:6379/0"));

    // When REDIS_PASSWORD is set
    JsonObject result = EnvOverrides.apply(config, Map.of("REDIS_PASSWORD", "new"));

    // Then the new password is the one the client uses. vertx-redis-client 5.0.7 prefers a password in the URL
    // over RedisOptions.password, so the old one must not stay in the URL.
    RedisOptions options = TripstateConfig.from(result).redisOptions();
    assertThat(options.getPassword()).isEqualTo("new");
    assertThat(options.getEndpoint()).doesNotContain("old");
  }

  @ParameterizedTest(name = "{0} -> enabled={1}")
  @CsvSource({"false, false", "FALSE, false", "0, false", "true, true", "True, true", "1, true"})
  void enableCircuitBreakerPersistenceSetsPersistenceEnabled(String value, boolean expected) {
    // Given persistence configured as enabled (or the opposite of what the variable says)
    JsonObject config = new JsonObject().put("persistence", new JsonObject().put("enabled", !expected).put("keyPrefix", "svc:"));

    // When the variable is set
    JsonObject result = EnvOverrides.apply(config, Map.of("ENABLE_CIRCUIT_BREAKER_PERSISTENCE", value));

    // Then persistence.enabled follows it, and the other persistence keys are kept
    assertThat(TripstateConfig.from(result).persistence().enabled()).isEqualTo(expected);
    assertThat(TripstateConfig.from(result).persistence().keyPrefix()).isEqualTo("svc:");
  }

  @Test
  void enableCircuitBreakerPersistenceFalseTurnsPersistenceOffWithoutAnyPersistenceSection() {
    // Given a config without a persistence section
    // When the variable says false
    JsonObject result = EnvOverrides.apply(new JsonObject(), Map.of("ENABLE_CIRCUIT_BREAKER_PERSISTENCE", "false"));

    // Then persistence is off
    assertThat(TripstateConfig.from(result).persistence().enabled()).isFalse();
  }

  @ParameterizedTest(name = "{0}={1}")
  @CsvSource(delimiter = '|', textBlock = """
      ENABLE_CIRCUIT_BREAKER_PERSISTENCE | maybe
      ENABLE_CIRCUIT_BREAKER_PERSISTENCE | 2
      HTTP_PORT                          | abc
      HTTP_PORT                          | 70000
      HTTP_PORT                          | -1
      REDIS_PORT                         | 0
      REDIS_PORT                         | six
      REDIS_DB                           | -1
      """)
  void anUnusableValueFailsNamingTheVariableAndTheValue(String variable, String value) {
    // Given a variable with an unusable value
    // When applied
    ConfigException error = catchThrowableOfType(ConfigException.class,
        () -> EnvOverrides.apply(CONFIGURED, Map.of(variable, value)));

    // Then it fails naming the variable and the value
    assertThat(error).as("%s=%s must be rejected", variable, value).isNotNull();
    assertThat(error.key()).isEqualTo(variable);
    assertThat(error.getMessage()).contains(variable).contains(value);
  }

  @ParameterizedTest
  @ValueSource(strings = {"8081", "0"})
  void httpPortSetsHttpPortAndKeepsTheHost(String value) {
    // Given a configured HTTP host
    // When HTTP_PORT is set
    JsonObject result = EnvOverrides.apply(CONFIGURED, Map.of("HTTP_PORT", value));

    // Then http.port is that number and the host is kept
    HttpConfig http = TripstateConfig.from(result).http();
    assertThat(http.port()).isEqualTo(Integer.parseInt(value));
    assertThat(http.host()).isEqualTo("0.0.0.0");
  }

  @Test
  void theInputConfigIsNotMutated() {
    // Given a config and its copy
    JsonObject config = CONFIGURED.copy();
    JsonObject before = config.copy();

    // When every variable is applied
    Map<String, String> env = Map.of("REDIS_URL", "redis://other:7000", "REDIS_HOST", "h", "REDIS_PORT", "1",
        "REDIS_DB", "9", "REDIS_PASSWORD", "pw", "ENABLE_CIRCUIT_BREAKER_PERSISTENCE", "false", "HTTP_PORT", "9090");
    JsonObject result = EnvOverrides.apply(config, env);

    // Then the result has them all, and the input is unchanged down to its sections
    assertThat(url(result)).isEqualTo("redis://h:1/9");
    assertThat(result.getJsonObject("persistence").getBoolean("enabled")).isFalse();
    assertThat(result.getJsonObject("http").getInteger("port")).isEqualTo(9090);
    assertThat(config).isEqualTo(before);
  }

  @Test
  void blankVariablesAreIgnored() {
    // Given every variable set but empty or only spaces (as `VAR= ./run.sh` or a template leaves them)
    Map<String, String> env = Map.of("REDIS_URL", "", "REDIS_HOST", " ", "REDIS_PORT", "", "REDIS_DB", "  ",
        "REDIS_PASSWORD", "", "ENABLE_CIRCUIT_BREAKER_PERSISTENCE", " ", "HTTP_PORT", "");

    // When applied
    JsonObject result = EnvOverrides.apply(CONFIGURED, env);

    // Then nothing changed
    TripstateConfig config = TripstateConfig.from(result);
    assertThat(url(result)).isEqualTo("redis://cache.internal:6380/2");
    assertThat(result.getJsonObject("redis").containsKey("password")).isFalse();
    assertThat(config.persistence().enabled()).isTrue();
    assertThat(config.http().port()).isNull();
  }

  @Test
  void anEmptyEnvironmentChangesNothingThatMatters() {
    // Given a config, When no variable is set
    JsonObject result = EnvOverrides.apply(CONFIGURED, Map.of());

    // Then it reads the same as the config itself
    TripstateConfig original = TripstateConfig.from(CONFIGURED);
    TripstateConfig overridden = TripstateConfig.from(result);
    assertThat(overridden.redisOptions().getEndpoints()).isEqualTo(original.redisOptions().getEndpoints());
    assertThat(overridden.persistence()).isEqualTo(original.persistence());
    assertThat(overridden.http()).isEqualTo(original.http());
  }
}
