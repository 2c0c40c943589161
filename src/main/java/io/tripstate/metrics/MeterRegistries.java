package io.tripstate.metrics;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.micrometer.backends.BackendRegistries;

/** Which Micrometer registry a verticle's metrics go to, and the Prometheus registry within it. */
public final class MeterRegistries {
  private MeterRegistries() {}

  /** The registry chosen, and whether tripstate made it (then it closes it when the verticle stops). */
  public record Choice(MeterRegistry registry, boolean own) {}

  /**
   * In order: the registry the application gave the verticle; the registry Vert.x reports its own metrics to
   * (when this Vert.x instance runs with {@code MicrometerMetricsOptions}, under {@code registryName}), so that
   * Vert.x's event-bus and HTTP metrics come along in the same scrape; else a new
   * {@link PrometheusMeterRegistry} of tripstate's own.
   */
  public static Choice choose(Vertx vertx, MeterRegistry given, String registryName) {
    if (given != null) {
      return new Choice(given, false);
    }
    MeterRegistry vertxRegistry = vertx.isMetricsEnabled() ? BackendRegistries.getNow(registryName) : null;
    if (vertxRegistry != null) {
      return new Choice(vertxRegistry, false);
    }
    return new Choice(new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), true);
  }

  /** The registry itself when it is a Prometheus one, the first Prometheus one it holds when composite, else null. */
  static PrometheusMeterRegistry prometheusOf(MeterRegistry registry) {
    if (registry instanceof PrometheusMeterRegistry prometheus) {
      return prometheus;
    }
    if (registry instanceof CompositeMeterRegistry composite) {
      for (MeterRegistry member : composite.getRegistries()) {
        PrometheusMeterRegistry found = prometheusOf(member);
        if (found != null) {
          return found;
        }
      }
    }
    return null;
  }
}
