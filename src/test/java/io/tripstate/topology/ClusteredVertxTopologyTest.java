package io.tripstate.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.BreakerVerticle;
import io.tripstate.support.Bus;
import io.tripstate.support.ClusteredVertx;
import io.tripstate.support.TestRedis;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
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

  @Test
  void aTransitionReachesEveryNodeNamingTheNodeThatMadeIt() {
    // Given a verticle on node 0 only, and a listener of the transitions on node 1
    JsonObject config = config();
    Bus.await(nodes.node(0).deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config)));
    List<JsonObject> heardOnNode1 = new CopyOnWriteArrayList<>();
    Bus.await(nodes.node(1).eventBus().<JsonObject>consumer(config.getString("transitionsAddress"),
        message -> heardOnNode1.add(message.body())).completion());

    // When node 0's breaker opens
    Bus fromNode0 = new Bus(nodes.node(0), config.getString("address"));
    for (int i = 0; i < 5; i++) {
      fromNode0.record("inventory", "failure");
    }

    // Then node 1 hears the transition, and it names node 0 as the node that made it
    Awaitility.await("the transition heard on node 1").atMost(Duration.ofSeconds(10))
        .until(() -> !heardOnNode1.isEmpty());
    String node0 = ((VertxInternal) nodes.node(0)).clusterManager().getNodeId();
    assertThat(heardOnNode1.get(0).getString("to")).isEqualTo("open");
    assertThat(heardOnNode1.get(0).getString("node")).isEqualTo(node0)
        .isNotEqualTo(((VertxInternal) nodes.node(1)).clusterManager().getNodeId());
  }

  @Test
  void nodesThatShareAKeyPrefixShareBreakerStatesThroughRedis() {
    // Given a node-scoped verticle on each node, sharing through Redis under one key prefix
    JsonObject config = config();
    for (int i = 0; i < 2; i++) {
      JsonObject own = config.copy().put("sharing", new JsonObject().put("enabled", true).put("instanceId", "node-" + i)
          .put("heartbeatMs", 200).put("resyncMs", 1_000));
      Bus.await(nodes.node(i).deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(own)));
    }
    Bus fromNode0 = new Bus(nodes.node(0), config.getString("address"));
    Bus fromNode1 = new Bus(nodes.node(1), config.getString("address"));

    // When node 0's owner opens a breaker on its own calls
    for (int i = 0; i < 5; i++) {
      fromNode0.record("shipping", "failure");
    }

    // Then node 1's owner, which saw none of those calls, rejects too, naming node 0's instance
    Awaitility.await("node 1 rejects").atMost(Duration.ofSeconds(10)).until(() -> {
      try {
        return !fromNode1.acquire("shipping").getBoolean("permitted");
      } catch (RuntimeException e) {
        return false;
      }
    });
    assertThat(fromNode1.status("shipping").getString("instance")).isEqualTo("node-0");
    assertThat(fromNode1.status("shipping").getInteger("failure_count")).isEqualTo(5);
  }

  private static JsonObject config() {
    return TopologyConfigs.config(new JsonObject().put("connectionString", TestRedis.url()))
        .put("defaults", new JsonObject().put("failureThreshold", 5));
  }
}
