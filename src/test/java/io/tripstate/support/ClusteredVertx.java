package io.tripstate.support;

import io.tripstate.app.HazelcastConfigs;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

/**
 * Clustered Vert.x instances in this JVM, joined by Hazelcast over TCP on loopback (no multicast), with a
 * 5 s heartbeat timeout so that a lost node is noticed quickly. Start one set per test class. Blocking.
 */
public final class ClusteredVertx implements AutoCloseable {
  private final List<Vertx> nodes = new ArrayList<>();

  private ClusteredVertx() {}

  /** Starts {@code count} clustered Vert.x nodes on free loopback ports; they know each other when it returns. */
  public static ClusteredVertx start(int count) {
    return start(count, false);
  }

  /** As {@link #start(int)}; with {@code ha}, Vert.x HA redeploys a lost node's HA deployments on a survivor. */
  public static ClusteredVertx start(int count, boolean ha) {
    List<Integer> ports = IntStream.range(0, count).mapToObj(i -> RedisServerProcess.freePort()).toList();
    List<String> members = ports.stream().map(port -> "127.0.0.1:" + port).toList();
    ClusteredVertx cluster = new ClusteredVertx();
    try {
      for (int port : ports) {
        HazelcastClusterManager manager = new HazelcastClusterManager(
            HazelcastConfigs.tcp("127.0.0.1", port, members, 5));
        VertxOptions options = new VertxOptions().setEventBusOptions(
            new EventBusOptions().setHost("127.0.0.1").setClusterPublicHost("127.0.0.1").setPort(0))
            .setHAEnabled(ha);
        // Hazelcast takes seconds to start, more on a loaded machine: a minute, not Bus.await's 10 s.
        cluster.nodes.add(Vertx.builder().with(options).withClusterManager(manager).buildClustered()
            .timeout(60, TimeUnit.SECONDS).await());
      }
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  public Vertx node(int index) {
    return nodes.get(index);
  }

  @Override
  public void close() {
    for (Vertx node : nodes) {
      try {
        node.close().timeout(60, TimeUnit.SECONDS).await();
      } catch (RuntimeException e) {
        // keep closing the others
      }
    }
  }
}
