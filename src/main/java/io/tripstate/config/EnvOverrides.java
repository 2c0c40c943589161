package io.tripstate.config;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;

/**
 * Environment overrides of a deployment config, as the standalone app applies them; an app that embeds
 * the verticle applies the same with {@code EnvOverrides.apply(config, System.getenv())}.
 *
 * <ul>
 *   <li>{@code REDIS_URL}: {@code redis.connectionString}, whole.
 *   <li>{@code REDIS_HOST}, {@code REDIS_PORT}, {@code REDIS_DB}: replace that part of the URL.
 *   <li>{@code REDIS_PASSWORD}: {@code redis.password} (kept out of the URL, so it is never logged).
 *   <li>{@code ENABLE_CIRCUIT_BREAKER_PERSISTENCE}: {@code persistence.enabled} ({@code true}/{@code false}).
 *   <li>{@code HTTP_PORT}: {@code http.port}.
 *   <li>{@code TRIPSTATE_ADMIN_TOKEN}: {@code http.adminToken}; {@code TRIPSTATE_API_TOKEN}: {@code http.apiToken}
 *       (kept out of config files; never logged, and masked in config errors).
 *   <li>{@code TRIPSTATE_SHARING}: {@code sharing.enabled} ({@code true}/{@code false});
 *       {@code TRIPSTATE_INSTANCE_ID}: {@code sharing.instanceId}.
 * </ul>
 */
public final class EnvOverrides {
  private EnvOverrides() {}

  /**
   * Returns a copy of {@code config} with the overrides found in {@code env} applied.
   *
   * @throws ConfigException naming the variable when its value is unusable
   */
  public static JsonObject apply(JsonObject config, Map<String, String> env) {
    JsonObject result = config == null ? new JsonObject() : config.copy();
    JsonObject redis = section(result, "redis");
    String url = value(env, "REDIS_URL");
    if (url == null) {
      url = redis.getString("connectionString", TripstateConfig.DEFAULT_REDIS_URL);
    }
    url = withParts(url, value(env, "REDIS_HOST"), port(env, "REDIS_PORT", 1), port(env, "REDIS_DB", 0));
    redis.put("connectionString", url);
    String password = value(env, "REDIS_PASSWORD");
    if (password != null) {
      // A password in the URL would win over RedisOptions.password: keep only the user there.
      redis.put("connectionString", withoutPassword(url));
      redis.put("password", password);
    }
    String persistence = value(env, "ENABLE_CIRCUIT_BREAKER_PERSISTENCE");
    if (persistence != null) {
      section(result, "persistence").put("enabled", flag("ENABLE_CIRCUIT_BREAKER_PERSISTENCE", persistence));
    }
    Integer httpPort = port(env, "HTTP_PORT", 0);
    if (httpPort != null) {
      section(result, "http").put("port", httpPort);
    }
    String adminToken = value(env, "TRIPSTATE_ADMIN_TOKEN");
    if (adminToken != null) {
      section(result, "http").put("adminToken", adminToken);
    }
    String apiToken = value(env, "TRIPSTATE_API_TOKEN");
    if (apiToken != null) {
      section(result, "http").put("apiToken", apiToken);
    }
    String sharing = value(env, "TRIPSTATE_SHARING");
    if (sharing != null) {
      section(result, "sharing").put("enabled", flag("TRIPSTATE_SHARING", sharing));
    }
    String instanceId = value(env, "TRIPSTATE_INSTANCE_ID");
    if (instanceId != null) {
      section(result, "sharing").put("instanceId", instanceId);
    }
    return result;
  }

  private static String withParts(String url, String host, Integer port, Integer db) {
    if (host == null && port == null && db == null) {
      return url;
    }
    try {
      URI base = new URI(url);
      String path = db != null ? "/" + db : base.getRawPath();
      return new URI(base.getScheme(), base.getRawUserInfo(), host != null ? host : base.getHost(),
          port != null ? port : base.getPort(), path == null || path.isEmpty() ? null : path, null, null).toString();
    } catch (URISyntaxException e) {
      throw new ConfigException("redis.connectionString", TripstateConfig.maskPassword(url), "not a URL");
    }
  }

  private static String withoutPassword(String url) {
    try {
      URI uri = new URI(url);
      String userInfo = uri.getRawUserInfo();
      if (userInfo == null) {
        return url;
      }
      String user = userInfo.contains(":") ? userInfo.substring(0, userInfo.indexOf(':')) : userInfo;
      return new URI(uri.getScheme(), user.isEmpty() ? null : user, uri.getHost(), uri.getPort(), uri.getRawPath(),
          uri.getRawQuery(), null).toString();
    } catch (URISyntaxException e) {
      throw new ConfigException("redis.connectionString", TripstateConfig.maskPassword(url), "not a URL");
    }
  }

  private static Integer port(Map<String, String> env, String variable, int min) {
    String text = value(env, variable);
    if (text == null) {
      return null;
    }
    try {
      int number = Integer.parseInt(text.trim());
      if (number >= min && number <= 65_535) {
        return number;
      }
    } catch (NumberFormatException e) {
      // worded below
    }
    throw new ConfigException(variable, text, "must be a whole number between " + min + " and 65535");
  }

  private static boolean flag(String variable, String text) {
    switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "true", "1", "yes", "on":
        return true;
      case "false", "0", "no", "off":
        return false;
      default:
        throw new ConfigException(variable, text, "must be true or false");
    }
  }

  private static String value(Map<String, String> env, String name) {
    String value = env.get(name);
    return value == null || value.isBlank() ? null : value;
  }

  private static JsonObject section(JsonObject config, String key) {
    Object value = config.getValue(key);
    if (value instanceof JsonObject json) {
      return json;
    }
    JsonObject created = new JsonObject();
    config.put(key, created);
    return created;
  }
}
