package io.tripstate.support;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The test launchers form a working Redis Cluster and a Sentinel set on loopback. */
class RedisTopologiesSupportTest {

  @Test
  void formsAClusterWhoseMastersShareTheSlots() {
    try (RedisCluster cluster = RedisCluster.start(3, 0, 2000)) {
      // Given a 3-master cluster
      // When a key is written on the node that owns its slot
      RedisServerProcess owner = cluster.nodeFor("circuit_breaker:a:state");
      assertThat(owner.command("SET", "circuit_breaker:a:state", "x")).isEqualTo("OK");
      // Then every master serves slots and another node redirects
      assertThat(cluster.currentMasterPorts()).hasSize(3);
      RedisServerProcess other = cluster.masters().stream().filter(n -> n != owner).findFirst().orElseThrow();
      assertThat(other.command("GET", "circuit_breaker:a:state")).startsWith("-MOVED");
    }
  }

  @Test
  void startsSentinelsThatNameTheMaster() {
    try (RedisSentinels sentinels = RedisSentinels.start()) {
      assertThat(sentinels.currentMasterPort()).isEqualTo(sentinels.master().port());
      assertThat(sentinels.sentinelEndpoints()).hasSize(3);
    }
  }
}
