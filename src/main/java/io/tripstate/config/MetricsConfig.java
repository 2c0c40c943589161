package io.tripstate.config;

import io.vertx.micrometer.MicrometerMetricsOptions;

/**
 * Settings of the Prometheus metrics (config section {@code metrics}).
 *
 * @param enabled whether the verticle keeps metrics and serves {@code GET /metrics} on its HTTP server (and to
 *     {@code MetricsRoutes} mounted elsewhere); default {@code true}; {@code false} turns them off
 * @param registryName when this Vert.x instance runs with {@code MicrometerMetricsOptions}, the name of the
 *     Micrometer registry Vert.x reports to, which tripstate then joins so that Vert.x's own metrics come along;
 *     default Vert.x's default name ({@value MicrometerMetricsOptions#DEFAULT_REGISTRY_NAME}). Unused when the
 *     application hands the verticle a registry, or Vert.x runs without metrics (then tripstate keeps a
 *     Prometheus registry of its own)
 */
public record MetricsConfig(boolean enabled, String registryName) {

  static MetricsConfig from(ConfigReader section) {
    return new MetricsConfig(section.bool("enabled", true),
        section.string("registryName", MicrometerMetricsOptions.DEFAULT_REGISTRY_NAME));
  }
}
