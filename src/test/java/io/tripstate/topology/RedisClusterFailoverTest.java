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
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * tripstate on a Redis Cluster of 3 masters with a replica each (one cluster for the class): when a master
 * is killed or frozen, its replica is promoted and writes must flow again. Each test fails a different
 * original master.
 */
class RedisClusterFailoverTest {
  private static RedisCluster cluster;
  private final Vertx vertx = Vertx.vertx();

  @BeforeAll
  static void startCluster() {
    cluster = RedisCluster.start(3, 1, 2000);
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
  void writesFlowAgainAfterAMasterIsKilled() {
    measureFailover(cluster.masters().get(0), "SIGKILL", RedisServerProcess::kill);
  }

  @Test
  void writesFlowAgainAfterAMasterIsFrozen() {
    measureFailover(cluster.masters().get(1), "SIGSTOP", RedisServerProcess::pause);
  }

  private void measureFailover(RedisServerProcess victim, String how,
      java.util.function.Consumer<RedisServerProcess> fail) {
    // Given a stream of acknowledged transitions on a breaker whose key lives on the victim master
    JsonObject config = config();
    String prefix = config.getJsonObject("persistence").getString("keyPrefix");
    String name = IntStream.range(0, 1000).mapToObj(i -> "stream-" + i)
        .filter(n -> cluster.nodeFor(prefix + n + ":state") == victim).findFirst().orElseThrow();
    String key = prefix + name + ":state";
    Bus.await(vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config)));
    RedisServerProcess replica = cluster.replicas().get(cluster.masters().indexOf(victim));
    try (TransitionStream stream = new TransitionStream(vertx, config.getString("address"), name, 20)) {
      Awaitility.await("writes flowing").atMost(Duration.ofSeconds(10))
          .until(() -> stream.lastWrittenBefore(System.nanoTime()).isPresent()
              && replica.readOnlyCommand("GET", key) != null);

      // When the master fails
      fail.accept(victim);
      // Measured once the signal was delivered: requests sent before it may still have been written.
      long failedAt = System.nanoTime();
      long replicaVersion = new JsonObject(replica.readOnlyCommand("GET", key)).getLong("version");
      long lastAcked = stream.lastWrittenBefore(failedAt).orElseThrow().version();

      // Then its replica is promoted and writes are confirmed again
      Awaitility.await("writes confirmed after the failover").atMost(Duration.ofSeconds(40))
          .until(() -> stream.firstWrittenSentAfter(failedAt).isPresent());
      long gapMs = Duration.ofNanos(stream.firstWrittenSentAfter(failedAt).get().atNanos() - failedAt).toMillis();
      System.out.printf("[topology] cluster failover (%s of a master): writes confirmed again %d ms later; "
          + "acknowledged versions missing on the replica at the failure: %d%n", how, gapMs,
          Math.max(0, lastAcked - replicaVersion));
      // The goal is 10 s (measured 4-10 s here, most often 4-5); the bound leaves room for a loaded machine, so
      // that the test fails on a client that does not recover (it never did within 40 s before the read-idle
      // timeout), not on noise. The figure itself is printed above.
      assertThat(gapMs).as("writes flow again").isLessThan(20_000);
      assertThat(stream.failures()).as("decisions never wait on Redis").isEmpty();

      // And the promoted replica converges on the instance's newest state
      stream.close();
      long newest = stream.replies().get(stream.replies().size() - 1).version();
      Awaitility.await("the newest snapshot on the promoted replica").atMost(Duration.ofSeconds(10))
          .ignoreExceptions().until(() -> new JsonObject(replica.readOnlyCommand("GET", key)).getLong("version") >= newest);
    } finally {
      if (victim.isRunning()) {
        victim.resume();
      }
    }
  }

  private static JsonObject config() {
    JsonObject config = TopologyConfigs.config(new JsonObject().put("type", "CLUSTER")
        .put("endpoints", new JsonArray(cluster.endpoints())));
    config.getJsonObject("persistence").put("ackAfterWrite", true).put("commandTimeoutMs", 500);
    return config;
  }
}
