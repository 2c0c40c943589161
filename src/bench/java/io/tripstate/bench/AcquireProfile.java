package io.tripstate.bench;

import io.tripstate.BreakerVerticle;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;

/**
 * A steady load for a profiler (item 8 of issue 5): {@code acquire} through a {@code BreakerVerticle}
 * (persistence off) with 64 requests in flight for a fixed time, set up as in {@link EventBusApi}. Run it
 * under JFR, e.g. {@code java -XX:StartFlightRecording=duration=30s,filename=/tmp/acquire.jfr,settings=profile
 * -cp "$CP" io.tripstate.bench.AcquireProfile 20}, then rank its samples with {@link JfrTop}.
 */
public final class AcquireProfile {
  private AcquireProfile() {}

  /** Arguments: seconds measured (default 20), requests in flight (default 64). */
  public static void main(String[] args) {
    long seconds = args.length > 0 ? Long.parseLong(args[0]) : 20;
    int inFlight = args.length > 1 ? Integer.parseInt(args[1]) : 64;
    Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    try {
      JsonObject config = new JsonObject().put("address", "bench.tripstate").put("maxBreakers", 1_000)
          .put("persistence", new JsonObject().put("enabled", false));
      vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config)).await();
      Load.Host host = new Load.Host();
      vertx.deployVerticle(host).await();
      DeliveryOptions acquire = new DeliveryOptions().addHeader("action", "acquire");
      JsonObject body = new JsonObject().put("name", "bench");
      Load.Result result = Load.run(host, inFlight, 2_000, seconds * 1_000,
          () -> vertx.eventBus().request("bench.tripstate", body.copy(), acquire));
      System.out.printf("acquire, %d in flight, %d s: %,.0f requests/s, p50 %s us, p99 %s us, %d failed%n",
          inFlight, seconds, result.perSecond(), result.us(result.p50Ns()), result.us(result.p99Ns()),
          result.errors());
    } finally {
      vertx.close().await();
    }
  }
}
