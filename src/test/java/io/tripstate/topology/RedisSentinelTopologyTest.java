package io.tripstate.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.BreakerVerticle;
import io.tripstate.support.Bus;
import io.tripstate.support.RedisSentinels;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** tripstate against a master, a replica and three Sentinels on loopback (one set for the class). */
class RedisSentinelTopologyTest {
  private static RedisSentinels sentinels;
  private final Vertx vertx = Vertx.vertx();

  @BeforeAll
  static void startSentinels() {
    sentinels = RedisSentinels.start();
  }

  @AfterAll
  static void stopSentinels() {
    sentinels.close();
  }

  @AfterEach
  void closeVertx() {
    Bus.await(vertx.close());
  }

  @Test
  void writesThroughTheSentinelsMasterAndRestoresFromIt() {
    // Given a verticle that finds its master through the Sentinels
    JsonObject config = config();
    String deployment = Bus.await(vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config)));
    Bus bus = new Bus(vertx, config.getString("address"));

    // When a breaker is forced open
    bus.send("force_open", new JsonObject().put("name", "inventory"));

    // Then the master holds it (and the replica follows), and a redeployed verticle restores it
    String key = config.getJsonObject("persistence").getString("keyPrefix") + "inventory:state";
    Awaitility.await("the snapshot on the master").atMost(Duration.ofSeconds(10))
        .until(() -> sentinels.master().command("GET", key) != null);
    Awaitility.await("the snapshot on the replica").atMost(Duration.ofSeconds(10))
        .until(() -> sentinels.replica().command("GET", key) != null);
    Bus.await(vertx.undeploy(deployment));
    Bus.await(vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config)));
    assertThat(bus.status("inventory").getString("state")).isEqualTo("forced_open");
  }

  @Test
  void writesResumeOnThePromotedReplicaAfterTheMasterIsKilled() {
    // Given a stream of acknowledged transitions through the Sentinels' master
    // (and a second instance sharing its breakers through the same Sentinels)
    JsonObject config = config();
    config.getJsonObject("persistence").put("ackAfterWrite", true).put("commandTimeoutMs", 500);
    config.put("sharing", new JsonObject().put("enabled", true).put("instanceId", "a").put("resyncMs", 1_000)
        .put("heartbeatMs", 500));
    JsonObject configB = config.copy();
    configB.getJsonObject("sharing").put("instanceId", "b");
    Bus.await(vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config)));
    Vertx otherVertx = Vertx.vertx();
    Bus.await(otherVertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(configB)));
    Bus other = new Bus(otherVertx, configB.getString("address"));
    Bus bus = new Bus(vertx, config.getString("address"));
    String key = config.getJsonObject("persistence").getString("keyPrefix") + "stream:state";
    try (TransitionStream stream = new TransitionStream(vertx, config.getString("address"), "stream", 20)) {
      Awaitility.await("writes flowing").atMost(Duration.ofSeconds(10))
          .until(() -> stream.lastWrittenBefore(System.nanoTime()).isPresent());

      // When the master is killed (SIGKILL): the replica keeps what it had received
      sentinels.master().kill();
      long killedAt = System.nanoTime();
      long replicaVersion = new JsonObject(sentinels.replica().command("GET", key)).getLong("version");
      long lastAcked = stream.lastWrittenBefore(killedAt).orElseThrow().version();

      // Then the Sentinels promote the replica and writes are confirmed on it again
      Awaitility.await("writes confirmed after the failover").atMost(Duration.ofSeconds(30))
          .until(() -> stream.firstWrittenSentAfter(killedAt).isPresent());
      TransitionStream.Reply resumed = stream.firstWrittenSentAfter(killedAt).get();
      assertThat(sentinels.currentMasterPort()).isEqualTo(sentinels.replica().port());
      System.out.printf("[topology] sentinel failover: writes confirmed again %d ms after SIGKILL of the master; "
          + "acknowledged versions missing on the replica at the kill: %d%n",
          Duration.ofNanos(resumed.atNanos() - killedAt).toMillis(), Math.max(0, lastAcked - replicaVersion));
      assertThat(stream.failures()).as("decisions never wait on Redis").isEmpty();

      // And the other instance hears transitions again: its stream reader found the promoted master
      bus.send("force_open", new JsonObject().put("name", "after-failover"));
      Awaitility.await("b hears a's transition after the failover").atMost(Duration.ofSeconds(20))
          .until(() -> other.statusAll().getJsonArray("breakers").stream()
              .anyMatch(b -> "after-failover".equals(((JsonObject) b).getString("name"))
                  && "forced_open".equals(((JsonObject) b).getString("state"))));
      System.out.printf("[topology] sentinel failover with sharing: the other instance heard a transition made "
          + "after the failover %d ms after SIGKILL of the master%n", Duration.ofNanos(System.nanoTime() - killedAt)
          .toMillis());

      // And the promoted master converges on the instance's newest state
      stream.close();
      long newest = stream.replies().get(stream.replies().size() - 1).version();
      Awaitility.await("the newest snapshot on the new master").atMost(Duration.ofSeconds(10))
          .until(() -> new JsonObject(sentinels.replica().command("GET", key)).getLong("version") >= newest);
    } finally {
      Bus.await(otherVertx.close());
    }
  }

  private static JsonObject config() {
    return TopologyConfigs.config(new JsonObject().put("type", "sentinel").put("masterName", RedisSentinels.MASTER_NAME)
        .put("role", "master").put("endpoints", new JsonArray(sentinels.sentinelEndpoints())));
  }
}
