package io.tripstate.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tripstate.BreakerVerticle;
import io.tripstate.support.Bus;
import io.tripstate.support.ClusteredVertx;
import io.tripstate.support.TestRedis;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.impl.VertxImpl;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * {@code cluster.scope: cluster} on three HA-enabled Hazelcast nodes in this JVM (one set for the class; the
 * last test takes node 0 down).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterScopeTopologyTest {
  private static final String VERTICLE = "io.tripstate.BreakerVerticle";
  private static ClusteredVertx nodes;
  private static JsonObject config;

  @BeforeAll
  static void startNodes() {
    nodes = ClusteredVertx.start(3, true);
    config = TopologyConfigs.config(new JsonObject().put("connectionString", TestRedis.url()))
        .put("cluster", new JsonObject().put("scope", "cluster"))
        .put("defaults", new JsonObject().put("failureThreshold", 3).put("resetTimeoutMs", 60_000));
    Bus.await(nodes.node(0).deployVerticle(VERTICLE, new DeploymentOptions().setConfig(config).setHa(true)));
  }

  @AfterAll
  static void stopNodes() {
    nodes.close();
  }

  @Test
  @Order(1)
  void oneOwnerServesEveryNodeAndASecondOneIsRefusedNamingTheHolder() {
    // When calls are recorded from node 1 and node 2
    Bus fromNode1 = new Bus(nodes.node(1), config.getString("address"));
    Bus fromNode2 = new Bus(nodes.node(2), config.getString("address"));
    fromNode1.record("payments", "failure");
    fromNode2.record("payments", "failure");
    fromNode1.record("payments", "failure");

    // Then the one owner (on node 0) saw all three and opened
    assertThat(new Bus(nodes.node(0), config.getString("address")).status("payments").getString("state"))
        .isEqualTo("open");

    // And a second deployment on node 1 fails, naming the holder
    assertThatThrownBy(() -> Bus.await(nodes.node(1).deployVerticle(VERTICLE, new DeploymentOptions().setConfig(config))))
        .hasMessageContaining("already owns event-bus address '" + config.getString("address") + "'")
        .hasMessageContaining("node ");
  }

  @Test
  @Order(2)
  void aStandbyServesNothingUntilTheOwnerLeavesGracefullyThenTakesOverWithTheOpenBreaker() {
    // Given an owner on node 1 with an open breaker, and a standby for the same address on node 2
    JsonObject standbyConfig = config.copy().put("address", config.getString("address") + ".standby")
        .put("transitionsAddress", config.getString("transitionsAddress") + ".standby")
        .put("cluster", new JsonObject().put("scope", "cluster").put("standby", true));
    String owner = Bus.await(nodes.node(1).deployVerticle(VERTICLE, new DeploymentOptions().setConfig(standbyConfig)));
    BreakerVerticle standby = new BreakerVerticle();
    Bus.await(nodes.node(2).deployVerticle(standby, new DeploymentOptions().setConfig(standbyConfig)));
    Bus fromNode2 = new Bus(nodes.node(2), standbyConfig.getString("address"));
    for (int i = 0; i < 3; i++) {
      fromNode2.record("orders", "failure");
    }
    long retryBefore = fromNode2.status("orders").getLong("retry_after_ms");
    assertThat(standby.isStandby()).as("node 2's deployment waits as a standby").isTrue();

    // When the owner is undeployed (a graceful leave, which Vert.x HA does not fail over)
    long leftAt = System.nanoTime();
    Bus.await(nodes.node(1).undeploy(owner));

    // Then the standby takes the lock, restores the breaker still open and serves it
    Awaitility.await("the standby serving the breakers").atMost(Duration.ofSeconds(20)).ignoreExceptions()
        .until(() -> !standby.isStandby() && "open".equals(fromNode2.status("orders").getString("state")));
    System.out.printf("[topology] cluster scope, in-JVM nodes: a standby served the open breaker %d ms after the"
        + " owner was undeployed%n", Duration.ofNanos(System.nanoTime() - leftAt).toMillis());
    assertThat(fromNode2.status("orders").getLong("retry_after_ms")).isLessThanOrEqualTo(retryBefore);
    Bus.await(nodes.node(2).undeploy(standby.deploymentID()));
  }

  @Test
  @Order(3)
  void aSurvivorTakesOverWithTheOpenBreakerAfterTheOwnersNodeDies() {
    // Given an open breaker owned on node 0
    Bus fromNode1 = new Bus(nodes.node(1), config.getString("address"));
    long retryBefore = fromNode1.status("payments").getLong("retry_after_ms");

    // When node 0 dies: it drops out of the cluster without a clean leave (Vert.x HA's own test hook; a
    // graceful close is a deliberate undeploy, which HA does not fail over)
    long leftAt = System.nanoTime();
    ((VertxImpl) nodes.node(0)).haManager().simulateKill();

    // Then Vert.x HA redeploys the owner on a survivor, which restores the breaker still open
    Awaitility.await("a survivor serving the breakers").atMost(Duration.ofSeconds(60)).ignoreExceptions()
        .until(() -> "open".equals(fromNode1.status("payments").getString("state")));
    long takeoverMs = Duration.ofNanos(System.nanoTime() - leftAt).toMillis();
    System.out.printf("[topology] cluster scope: a survivor served the open breaker %d ms after the owner's node"
        + " dropped out of the cluster%n", takeoverMs);
    assertThat(fromNode1.status("payments").getLong("retry_after_ms")).isLessThanOrEqualTo(retryBefore);
  }
}
