package io.tripstate.app;

import io.tripstate.config.ConfigException;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.spi.cluster.ClusterManager;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * How the standalone launcher joins a Hazelcast cluster, read from the environment; absent when
 * {@code CLUSTER_MEMBERS} is not set (the launcher then runs a plain, unclustered Vert.x).
 *
 * <ul>
 *   <li>{@code CLUSTER_MEMBERS}: every member as {@code host:port}, comma-separated, this one included, e.g.
 *       {@code 127.0.0.1:5701,127.0.0.1:5702}. Members are joined over TCP, never by multicast.
 *   <li>{@code CLUSTER_PORT}: this member's Hazelcast port; default 5701.
 *   <li>{@code CLUSTER_HOST}: the interface it binds and announces (Hazelcast and the event bus); default
 *       {@code 127.0.0.1}.
 *   <li>{@code CLUSTER_HEARTBEAT_SECONDS}: after how long without a heartbeat a member counts as crashed (so how
 *       soon a standby or Vert.x HA takes over from a killed owner); default 60, Hazelcast's own.
 * </ul>
 *
 * @param host {@code CLUSTER_HOST}
 * @param port {@code CLUSTER_PORT}
 * @param members {@code CLUSTER_MEMBERS}, one {@code host:port} each
 * @param heartbeatSeconds {@code CLUSTER_HEARTBEAT_SECONDS}
 */
public record ClusterSettings(String host, int port, List<String> members, int heartbeatSeconds) {
  public static final String MEMBERS = "CLUSTER_MEMBERS";
  public static final String PORT = "CLUSTER_PORT";
  public static final String HOST = "CLUSTER_HOST";
  public static final String HEARTBEAT_SECONDS = "CLUSTER_HEARTBEAT_SECONDS";
  public static final int DEFAULT_PORT = 5701;
  public static final String DEFAULT_HOST = "127.0.0.1";

  /**
   * The settings in {@code env}, or {@code null} when {@code CLUSTER_MEMBERS} is not set.
   *
   * @throws ConfigException naming the variable when a value is unusable, or when a {@code CLUSTER_*} variable is
   *     set without {@code CLUSTER_MEMBERS}
   */
  public static ClusterSettings fromEnv(Map<String, String> env) {
    String members = value(env, MEMBERS);
    if (members == null) {
      for (String variable : List.of(PORT, HOST, HEARTBEAT_SECONDS)) {
        if (value(env, variable) != null) {
          throw new ConfigException(variable, env.get(variable), "is set but " + MEMBERS + " is not; set "
              + MEMBERS + " (e.g. 127.0.0.1:5701,127.0.0.1:5702) to join a cluster");
        }
      }
      return null;
    }
    List<String> list = Arrays.stream(members.split(",", -1)).map(String::trim).toList();
    for (String member : list) {
      int colon = member.lastIndexOf(':');
      if (colon <= 0 || member.chars().anyMatch(Character::isWhitespace)
          || !isPort(member.substring(colon + 1))) {
        throw new ConfigException(MEMBERS, members, "'" + member + "' is not host:port with a port from 1 to 65535;"
            + " list every member one by one (no ranges), comma-separated, e.g. 127.0.0.1:5701,127.0.0.1:5702");
      }
    }
    String host = value(env, HOST) == null ? DEFAULT_HOST : value(env, HOST);
    if (host.chars().anyMatch(Character::isWhitespace)) {
      throw new ConfigException(HOST, host, "must be one host name or IP address");
    }
    int port = number(env, PORT, DEFAULT_PORT, 1, 65_535);
    int heartbeat = number(env, HEARTBEAT_SECONDS, HazelcastConfigs.DEFAULT_MAX_NO_HEARTBEAT_SECONDS, 1, 3_600);
    return new ClusterSettings(host, port, list, heartbeat);
  }

  /** A Hazelcast cluster manager that joins {@link #members()} over TCP (see {@link HazelcastConfigs#tcp}). */
  public ClusterManager clusterManager() {
    return new HazelcastClusterManager(HazelcastConfigs.tcp(host, port, members, heartbeatSeconds));
  }

  /** {@code options} with the clustered event bus on {@link #host()} (any free port), and HA when asked. */
  public VertxOptions apply(VertxOptions options, boolean ha) {
    return options.setHAEnabled(ha)
        .setEventBusOptions(new EventBusOptions().setHost(host).setClusterPublicHost(host).setPort(0));
  }

  @Override
  public String toString() {
    return "Hazelcast " + host + ":" + port + ", members " + String.join(",", members) + ", heartbeat timeout "
        + heartbeatSeconds + " s";
  }

  private static boolean isPort(String text) {
    try {
      int port = Integer.parseInt(text);
      return port >= 1 && port <= 65_535;
    } catch (NumberFormatException e) {
      return false;
    }
  }

  private static int number(Map<String, String> env, String variable, int defaultValue, int min, int max) {
    String text = value(env, variable);
    if (text == null) {
      return defaultValue;
    }
    try {
      int number = Integer.parseInt(text.trim());
      if (number >= min && number <= max) {
        return number;
      }
    } catch (NumberFormatException e) {
      // reported below with the expected range
    }
    throw new ConfigException(variable, text, "must be a whole number from " + min + " to " + max);
  }

  private static String value(Map<String, String> env, String variable) {
    String text = env.get(variable);
    return text == null || text.isBlank() ? null : text.trim();
  }
}
