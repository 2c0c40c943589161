package io.tripstate.config;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.function.Consumer;

/** Typed reads from one JSON section, each naming its full key when the value is wrong. */
final class ConfigReader {
  private final JsonObject json;
  private final String path;

  ConfigReader(JsonObject json, String path) {
    this.json = json == null ? new JsonObject() : json;
    this.path = path;
  }

  /** The sub-section of a key (empty when absent); fails when the key holds something else than an object. */
  ConfigReader section(String key) {
    Object value = json.getValue(key);
    if (value != null && !(value instanceof JsonObject)) {
      throw new ConfigException(key(key), value, "must be a JSON object");
    }
    return new ConfigReader((JsonObject) value, key(key));
  }

  JsonObject raw() {
    return json;
  }

  String path() {
    return path;
  }

  /** Whether a key holds a secret (a password or token), whose value an error must not show. */
  static boolean isSecret(String key) {
    String lower = key.toLowerCase(Locale.ROOT);
    return lower.contains("password") || lower.contains("token");
  }

  String string(String key, String defaultValue) {
    Object value = json.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof String text) || text.isBlank()) {
      throw new ConfigException(key(key), isSecret(key) ? "***" : value, "must be a non-empty string");
    }
    return text;
  }

  boolean bool(String key, boolean defaultValue) {
    Object value = json.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof Boolean flag)) {
      throw new ConfigException(key(key), value, "must be true or false");
    }
    return flag;
  }

  long number(String key, long defaultValue, long min, long max) {
    Object value = json.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    return whole(key(key), value, min, max);
  }

  /** A number that may be a fraction, such as {@code 1.5}. */
  double decimal(String key, double defaultValue, double min, double max) {
    Object value = json.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof Number number)) {
      throw new ConfigException(key(key), value, "must be a number");
    }
    double result = number.doubleValue();
    // Written so that NaN fails too.
    if (!(result >= min && result <= max)) {
      throw new ConfigException(key(key), value, "must be between " + min + " and " + max);
    }
    return result;
  }

  /** An array of whole numbers; a wrong element is named by its index, e.g. {@code failureCodes[1]}. */
  Set<Integer> wholeNumbers(String key, Set<Integer> defaultValue, int min, int max) {
    Object value = json.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof JsonArray array)) {
      throw new ConfigException(key(key), value, "must be an array of whole numbers, e.g. [429]");
    }
    Set<Integer> result = new HashSet<>();
    for (int i = 0; i < array.size(); i++) {
      result.add((int) whole(key(key) + "[" + i + "]", array.getValue(i), min, max));
    }
    return result;
  }

  Integer optionalInt(String key, int min, int max) {
    return json.getValue(key) == null ? null : (int) number(key, 0, min, max);
  }

  /** Reports keys this section does not know, so that a typo is seen rather than silently ignored. */
  void unknownKeys(Set<String> known, Consumer<String> report) {
    for (String key : json.fieldNames()) {
      if (!known.contains(key)) {
        report.accept(key(key));
      }
    }
  }

  String key(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  private static long whole(String fullKey, Object value, long min, long max) {
    if (!(value instanceof Number number) || number.doubleValue() != Math.rint(number.doubleValue())) {
      throw new ConfigException(fullKey, value, "must be a whole number");
    }
    long result = number.longValue();
    if (result < min || result > max) {
      throw new ConfigException(fullKey, value, "must be between " + min + " and " + max);
    }
    return result;
  }
}
