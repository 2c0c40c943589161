package io.tripstate.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.BreakerVerticle;
import io.tripstate.support.Bus;
import io.tripstate.support.ClusteredVertx;
import io.tripstate.support.TestRedis;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Two Hazelcast-clustered Vert.x nodes in this JVM, each with a BreakerVerticle (one cluster per class). */
class ClusteredVertxTopologyTest {
  private static ClusteredVertx nodes;

  @BeforeAll
  static void startNodes() {
    nodes = ClusteredVertx.start(2);
  }

  @AfterAll
  static void stopNodes() {
    nodes.close();
  }

  @Test
  void eachNodeOwnsItsBreakersAndItsClientsDecideThere() {
    // Given a verticle with the same config on each node
    JsonObject config = config();
    for (int i = 0; i < 2; i++) {
      Bus.await(nodes.node(i).deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config)));
    }
    Bus fromNode0 = new Bus(nodes.node(0), config.getString("address"));
    Bus fromNode1 = new Bus(nodes.node(1), config.getString("address"));

    // When 8 failures are recorded from node 0 (failureThreshold 5)
    for (int i = 0; i < 8; i++) {
      fromNode0.record("payments", "failure");
    }

    // Then node 0's own breaker opened (its requests were not spread over both owners)
    assertThat(fromNode0.status("payments").getString("state")).isEqualTo("open");
    assertThat(fromNode1.refuse("status", new JsonObject().put("name", "payments")).failureCode())
        .as("node 1's owner never saw these calls").isEqualTo(404);
  }

  private static JsonObject config() {
    return TopologyConfigs.config(new JsonObject().put("connectionString", TestRedis.url()))
        .put("defaults", new JsonObject().put("failureThreshold", 5));
  }
}
