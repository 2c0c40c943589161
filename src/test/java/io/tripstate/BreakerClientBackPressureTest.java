package io.tripstate;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The fast path pauses while the verticle has not confirmed earlier outcomes. */
@ExtendWith(VertxExtension.class)
class BreakerClientBackPressureTest {

  private static BreakerClient deploy(Vertx vertx, String address, AtomicInteger acquires) {
    JsonObject config = new JsonObject().put("address", address)
        .put("persistence", new JsonObject().put("enabled", false));
    vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config))
        .timeout(10, TimeUnit.SECONDS).await();
    vertx.eventBus().addOutboundInterceptor(delivery -> {
      if ("acquire".equals(delivery.message().headers().get("action"))) {
        acquires.incrementAndGet();
      }
      delivery.next();
    });
    BreakerClient client = BreakerClient.create(vertx, address);
    client.acquire("paced").timeout(10, TimeUnit.SECONDS).await();
    return client;
  }

  @Test
  void withRoomForOutcomesExecuteDecidesLocally(Vertx vertx) {
    AtomicInteger acquires = new AtomicInteger();
    BreakerClient client = deploy(vertx, "bp.roomy", acquires);
    int before = acquires.get();

    for (int i = 0; i < 20; i++) {
      client.execute("paced", () -> Future.succeededFuture("ok")).timeout(10, TimeUnit.SECONDS).await();
    }

    assertThat(acquires.get()).isEqualTo(before);
  }

  @Test
  void whenOutcomesAreUnconfirmedExecuteGoesThroughTheVerticle(Vertx vertx) {
    AtomicInteger acquires = new AtomicInteger();
    BreakerClient client = deploy(vertx, "bp.saturated", acquires).withOutcomeLimit(0);
    int before = acquires.get();

    for (int i = 0; i < 20; i++) {
      client.execute("paced", () -> Future.succeededFuture("ok")).timeout(10, TimeUnit.SECONDS).await();
    }

    assertThat(acquires.get()).isEqualTo(before + 20);
  }
}
