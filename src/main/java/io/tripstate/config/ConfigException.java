package io.tripstate.config;

/** Invalid configuration: the message names the key and the value that is wrong. */
public final class ConfigException extends RuntimeException {
  private final String key;

  public ConfigException(String key, Object value, String expectation) {
    super("invalid config '" + key + "' = " + render(value) + ": " + expectation);
    this.key = key;
  }

  /** The dotted path of the key that is wrong, e.g. {@code persistence.commandTimeoutMs}. */
  public String key() {
    return key;
  }

  private static String render(Object value) {
    return value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
  }
}
