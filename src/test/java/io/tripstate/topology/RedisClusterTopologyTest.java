package io.tripstate.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.BreakerVerticle;
import io.tripstate.support.Bus;
import io.tripstate.support.RedisCluster;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** tripstate against a real 3-master Redis Cluster on loopback (one cluster for the class). */
class RedisClusterTopologyTest {
  private static RedisCluster cluster;
  private final Vertx vertx = Vertx.vertx();

  @BeforeAll
  static void startCluster() {
    cluster = RedisCluster.start(3, 0, 2000);
  }

  @AfterAll
  static void stopCluster() {
    cluster.close();
  }

  @AfterEach
  void closeVertx() {
    Bus.await(vertx.close());
  }

  @Test
  void snapshotsSpreadOverTheMastersAndAllRestore() {
    // Given a verticle on the cluster, and 30 breakers forced open
    JsonObject config = config();
    String deployment = Bus.await(vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config)));
    Bus bus = new Bus(vertx, config.getString("address"));
    List<String> names = IntStream.range(0, 30).mapToObj(i -> "dep-" + i).toList();
    names.forEach(name -> bus.send("force_open", new JsonObject().put("name", name)));

    // Then every snapshot lands on the master that owns its slot, and the masters share them
    Set<Integer> holders = new HashSet<>();
    Awaitility.await("30 snapshots in the cluster").atMost(Duration.ofSeconds(10)).until(() -> names.stream()
        .allMatch(name -> stored(config, name) != null));
    names.forEach(name -> holders.add(cluster.nodeFor(key(config, name)).port()));
    assertThat(holders).hasSizeGreaterThanOrEqualTo(2);

    // When the verticle is redeployed
    Bus.await(vertx.undeploy(deployment));
    Bus.await(vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config)));

    // Then all 30 are restored forced open
    JsonArray breakers = bus.statusAll().getJsonArray("breakers");
    assertThat(breakers).hasSize(30);
    assertThat(breakers.stream().map(b -> ((JsonObject) b).getString("state"))).containsOnly("forced_open");
    assertThat(bus.statusAll().getJsonObject("persistence").getInteger("skipped_snapshots")).isZero();
  }

  @Test
  void twoInstancesShareBreakersAndOneTrialLeaseOverTheCluster() {
    // Given two instances (Vert.x of their own) sharing through the Redis Cluster
    JsonObject base = config().put("defaults", new JsonObject().put("resetTimeoutMs", 60_000));
    Vertx other = Vertx.vertx();
    try {
      JsonObject configA = base.copy().put("sharing", new JsonObject().put("enabled", true).put("instanceId", "a")
          .put("resyncMs", 1_000).put("heartbeatMs", 200));
      JsonObject configB = configA.copy();
      configB.getJsonObject("sharing").put("instanceId", "b");
      Bus.await(vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(configA)));
      Bus.await(other.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(configB)));
      Bus a = new Bus(vertx, configA.getString("address"));
      Bus b = new Bus(other, configB.getString("address"));

      // When a forces breakers open (their keys on different masters), then b resets one
      List<String> names = IntStream.range(0, 6).mapToObj(i -> "shared-" + i).toList();
      names.forEach(name -> a.send("force_open", new JsonObject().put("name", name).put("duration_ms", 300)));

      // Then b sees every one, the stream is read over the cluster client, and a sees b's trial lease refuse it
      Awaitility.await("b took a's transitions").atMost(Duration.ofSeconds(10)).until(() -> names.stream()
          .allMatch(name -> b.statusAll().getJsonArray("breakers").stream()
              .anyMatch(x -> name.equals(((JsonObject) x).getString("name")))));
      Awaitility.await("the forced time is up").atMost(Duration.ofSeconds(10)).until(() ->
          a.status("shared-0").getLong("retry_after_ms", 0L) == 0L && b.status("shared-0").getLong("retry_after_ms", 0L) == 0L);
      JsonObject first = b.acquire("shared-0");
      JsonObject second = a.acquire("shared-0");
      assertThat(first.getBoolean("permitted")).isTrue();
      assertThat(second.getBoolean("permitted")).isFalse();
      assertThat(second.getLong("retry_after_ms")).isPositive();
      assertThat(b.statusAll().getJsonObject("sharing").getBoolean("connected")).isTrue();
    } finally {
      Bus.await(other.close());
    }
  }

  private static JsonObject config() {
    return TopologyConfigs.config(new JsonObject().put("type", "CLUSTER")
        .put("endpoints", new JsonArray(cluster.endpoints())));
  }

  private static String key(JsonObject config, String name) {
    return TopologyConfigs.key(config, name);
  }

  private static String stored(JsonObject config, String name) {
    RedisServerProcess node = cluster.nodeFor(key(config, name));
    return node.command("GET", key(config, name));
  }
}
