package io.tripstate.app;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.NetworkConfig;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import java.util.List;

/**
 * Hazelcast configs for a clustered Vert.x that joins by a fixed member list over TCP, never by multicast
 * (closed networks, containers and CI machines drop multicast, and a test cluster must not meet a stranger's).
 * Starts from vertx-hazelcast's own default (its maps and multimaps), then sets the network.
 */
public final class HazelcastConfigs {
  /** Hazelcast's default heartbeat timeout (60 s) decides how soon a crashed node is seen as gone. */
  public static final int DEFAULT_MAX_NO_HEARTBEAT_SECONDS = 60;

  private HazelcastConfigs() {}

  /**
   * A member config.
   *
   * @param host the interface this member binds and announces, e.g. {@code 127.0.0.1}
   * @param port its Hazelcast port (no auto-increment: the member list names exact ports)
   * @param members every member as {@code host:port}, this one included, one by one (ranges are refused)
   * @param maxNoHeartbeatSeconds after how long without a heartbeat a member counts as crashed
   */
  public static Config tcp(String host, int port, List<String> members, int maxNoHeartbeatSeconds) {
    for (String member : members) {
      if (!member.matches("[^:\\s]+:\\d{1,5}")) {
        throw new IllegalArgumentException("cluster member '" + member + "' is not host:port (one per member,"
            + " no ranges), e.g. 127.0.0.1:5701,127.0.0.1:5702");
      }
    }
    Config config = ConfigUtil.loadConfig();
    config.setProperty("hazelcast.phone.home.enabled", "false");
    config.setProperty("hazelcast.wait.seconds.before.join", "0");
    config.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(maxNoHeartbeatSeconds));
    config.setProperty("hazelcast.logging.type", "jdk");
    // Vert.x leaves the cluster when it closes; Hazelcast's own shutdown hook would leave first, while the owner
    // still writes its last snapshots and holds its lock.
    config.setProperty("hazelcast.shutdownhook.enabled", "false");
    NetworkConfig network = config.getNetworkConfig().setPort(port).setPortAutoIncrement(false);
    network.getInterfaces().setEnabled(true).addInterface(host);
    network.setPublicAddress(host + ":" + port);
    JoinConfig join = network.getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    join.getTcpIpConfig().setEnabled(true).setMembers(List.copyOf(members));
    return config;
  }
}
