package io.tripstate.config;

/**
 * Settings of the HTTP routes (config section {@code http}).
 *
 * @param host the interface to listen on; default {@code 127.0.0.1}
 * @param port the port; {@code null} (the default) serves no HTTP; 0 picks a free port
 * @param adminToken the bearer token that admin routes ({@code POST /breakers/{name}/reset},
 *     {@code force-open}, {@code disable}) require; {@code null} (the default) serves no admin routes.
 *     Environment: {@code TRIPSTATE_ADMIN_TOKEN}
 * @param apiToken the bearer token that the decision API ({@code POST /breakers/{name}/acquire},
 *     {@code record}) requires, for services that cannot use the event bus; {@code null} (the default) serves
 *     no decision API (404). Must differ from {@code adminToken}. Environment: {@code TRIPSTATE_API_TOKEN}
 * @param maxBodyBytes the largest HTTP request body accepted, bytes; default 65536
 * @param eventsKeepAliveMs how often {@code GET /events} sends a keep-alive comment to every reader, ms, so
 *     that proxies keep the stream open and dead readers are noticed; default 15000; 0 sends none
 */
public record HttpConfig(String host, Integer port, String adminToken, String apiToken, long maxBodyBytes,
    long eventsKeepAliveMs) {
  public static final String DEFAULT_HOST = "127.0.0.1";
  public static final long DEFAULT_MAX_BODY_BYTES = 65_536;
  public static final long DEFAULT_EVENTS_KEEP_ALIVE_MS = 15_000;

  static HttpConfig from(ConfigReader section) {
    HttpConfig http = new HttpConfig(section.string("host", DEFAULT_HOST), section.optionalInt("port", 0, 65_535),
        section.string("adminToken", null), section.string("apiToken", null),
        section.number("maxBodyBytes", DEFAULT_MAX_BODY_BYTES, 1, 1L << 30),
        section.number("eventsKeepAliveMs", DEFAULT_EVENTS_KEEP_ALIVE_MS, 0, 86_400_000));
    if (http.apiToken != null && http.apiToken.equals(http.adminToken)) {
      // A service holding the API token would otherwise hold the admin routes too.
      throw new ConfigException(section.key("apiToken"), "***", "must differ from " + section.key("adminToken"));
    }
    return http;
  }

  /** Never prints a token. */
  @Override
  public String toString() {
    return "HttpConfig[host=" + host + ", port=" + port + ", adminToken=" + (adminToken == null ? "none" : "***")
        + ", apiToken=" + (apiToken == null ? "none" : "***") + ", maxBodyBytes=" + maxBodyBytes
        + ", eventsKeepAliveMs=" + eventsKeepAliveMs + "]";
  }
}
