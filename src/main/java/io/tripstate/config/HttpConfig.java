package io.tripstate.config;

/**
 * Settings of the HTTP status routes (config section {@code http}).
 *
 * @param host the interface to listen on; default {@code 127.0.0.1}
 * @param port the port; {@code null} (the default) serves no HTTP; 0 picks a free port
 */
public record HttpConfig(String host, Integer port) {
  public static final String DEFAULT_HOST = "127.0.0.1";

  static HttpConfig from(ConfigReader section) {
    return new HttpConfig(section.string("host", DEFAULT_HOST), section.optionalInt("port", 0, 65_535));
  }
}
