package io.tripstate.bench;

import io.tripstate.BreakerVerticle;
import io.tripstate.breaker.BreakerRegistry;
import io.tripstate.breaker.BreakerSettings;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * Section 6 of issue 5: heap per idle breaker with 100,000 breakers, measured as the used heap after full GCs
 * before and after creating them (names included: the registry holds them), through the registry alone and
 * through a deployed verticle (persistence off). Resilience4j's registry with its defaults (count window of
 * 100) is the anchor. Run it in a JVM of its own.
 */
public final class Memory {
  private static final int N = 100_000;

  private Memory() {}

  public static void main(String[] args) throws Exception {
    Summary summary = new Summary("6-memory", "Memory: heap per idle breaker, " + String.format("%,d", N)
        + " breakers, after GC", "how created", "bytes per breaker", "vs Resilience4j");
    long r4j = perBreaker(() -> {
      var registry = io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry.ofDefaults();
      for (int i = 0; i < N; i++) {
        registry.circuitBreaker("b" + i);
      }
      return registry;
    });
    long registry = perBreaker(() -> {
      BreakerRegistry breakers = new BreakerRegistry(name -> BreakerSettings.DEFAULTS, N, 0,
          new BreakerRegistry.Listener() {
            @Override
            public void onTransition(io.tripstate.breaker.Breaker breaker, io.tripstate.breaker.Transition t) {}

            @Override
            public void onCounterChange(io.tripstate.breaker.Breaker breaker) {}
          });
      long now = System.currentTimeMillis();
      for (int i = 0; i < N; i++) {
        breakers.acquire("b" + i, now);
      }
      return breakers;
    });
    Vertx vertx = Vertx.vertx();
    try {
      long verticle = perBreaker(() -> {
        JsonObject config = new JsonObject().put("address", "bench").put("maxBreakers", N)
            .put("persistence", new JsonObject().put("enabled", false));
        vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config)).await();
        DeliveryOptions acquire = new DeliveryOptions().addHeader("action", "acquire");
        for (int from = 0; from < N; from += 1_000) {
          List<Future<?>> batch = new ArrayList<>();
          for (int i = from; i < from + 1_000; i++) {
            batch.add(vertx.eventBus().request("bench", new JsonObject().put("name", "b" + i), acquire));
          }
          Future.all(batch).await();
        }
        return vertx;
      });
      summary.row("tripstate BreakerRegistry.acquire (default settings)", registry, Summary.ratio(registry, r4j));
      summary.row("tripstate BreakerVerticle, acquire over the event bus", verticle, Summary.ratio(verticle, r4j));
      summary.row("Resilience4j CircuitBreakerRegistry.ofDefaults() (anchor)", r4j, "1.00x");
    } finally {
      vertx.close().await();
    }
    summary.note("Used heap after System.gc() (three times, 200 ms apart) minus the same before; it includes "
        + "the name strings and map entries. Verticle row: the Vert.x instance was created before the baseline.");
    summary.write();
  }

  interface Creator {
    Object create() throws Exception;
  }

  private static long perBreaker(Creator creator) throws Exception {
    long before = usedAfterGc();
    Object held = creator.create();
    long after = usedAfterGc();
    if (held.hashCode() == 42) {
      System.out.println();
    }
    return (after - before) / N;
  }

  private static long usedAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
