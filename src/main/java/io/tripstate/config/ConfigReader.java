package io.tripstate.config;

import io.vertx.core.json.JsonObject;
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

  String string(String key, String defaultValue) {
    Object value = json.getValue(key);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof String text) || text.isBlank()) {
      throw new ConfigException(key(key), value, "must be a non-empty string");
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
    if (!(value instanceof Number number) || number.doubleValue() != Math.rint(number.doubleValue())) {
      throw new ConfigException(key(key), value, "must be a whole number");
    }
    long result = number.longValue();
    if (result < min || result > max) {
      throw new ConfigException(key(key), value, "must be between " + min + " and " + max);
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
}
