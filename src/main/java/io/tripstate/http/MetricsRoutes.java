package io.tripstate.http;

import io.tripstate.metrics.BreakerMetrics;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.ext.web.RoutingContext;

/**
 * {@code GET /metrics}: the Prometheus text format (version 0.0.4) of a verticle's breakers under Resilience4j's
 * metric names, preceded by everything else in its Micrometer registry when that is a Prometheus one (Vert.x's
 * own metrics, when the app runs Vert.x with {@code MicrometerMetricsOptions}). Mount it on any router of the
 * app: {@code router.get("/metrics").handler(MetricsRoutes.handler(vertx, "tripstate"))}. It never touches
 * breaker state from its own thread, and writes the text on a worker thread.
 */
public final class MetricsRoutes {
  private MetricsRoutes() {}

  /**
   * The handler for the verticle on {@code address}; answers 503 while no verticle with metrics on serves there
   * (not deployed yet, or {@code metrics.enabled} is false).
   */
  public static Handler<RoutingContext> handler(Vertx vertx, String address) {
    return ctx -> {
      BreakerMetrics metrics = BreakerMetrics.find(vertx, address);
      if (metrics == null) {
        Replies.error(ctx, 503, "no tripstate metrics on address '" + address
            + "' (verticle not deployed, or metrics.enabled is false)");
        return;
      }
      metrics.scrape().onComplete(result -> {
        if (result.succeeded()) {
          ctx.response().putHeader("content-type", BreakerMetrics.CONTENT_TYPE).end(result.result());
        } else {
          Replies.error(ctx, 500, "scrape failed: " + result.cause());
        }
      });
    };
  }
}
