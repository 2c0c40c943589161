package io.tripstate.config;

/**
 * Settings of the HTTP routes (config section {@code http}).
 *
 * @param host the interface to listen on; default {@code 127.0.0.1}
 * @param port the port; {@code null} (the default) serves no HTTP; 0 picks a free port
 * @param adminToken the bearer token that admin routes ({@code POST /breakers/{name}/reset},
 *     {@code force-open}, {@code disable}) require; {@code null} (the default) serves no admin routes
 * @param maxBodyBytes the largest HTTP request body accepted, bytes; default 65536
 */
public record HttpConfig(String host, Integer port, String adminToken, long maxBodyBytes) {
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final long DEFAULT_MAX_BODY_BYTES = 65_536;

  static HttpConfig from(ConfigReader section) {
    return new HttpConfig(section.string("host", DEFAULT_HOST), section.optionalInt("port", 0, 65_535),
        section.string("adminToken", null), section.number("maxBodyBytes", DEFAULT_MAX_BODY_BYTES, 1, 1L << 30));
  }

  /** Never prints the token. */
  @Override
  public String toString() {
    return "HttpConfig[host=" + host + ", port=" + port + ", adminToken=" + (adminToken == null ? "none" : "***")
        + ", maxBodyBytes=" + maxBodyBytes + "]";
  }
}
