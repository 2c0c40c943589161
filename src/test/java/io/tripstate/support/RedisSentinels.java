package io.tripstate.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.Awaitility;

/**
 * One master, one replica and three Sentinels ({@code redis-server sentinel.conf --sentinel}, each with a
 * writable config of its own) on loopback, monitoring the master as {@value #MASTER_NAME} with quorum 2,
 * down-after 1 s and failover-timeout 5 s. Start one per test class. Blocking: test threads only.
 */
public final class RedisSentinels implements AutoCloseable {
  /** The monitored master's name ({@code masterName} of the client). */
  public static final String MASTER_NAME = "mymaster";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  private final RedisServerProcess master;
  private final RedisServerProcess replica;
  private final List<RedisServerProcess> sentinels = new ArrayList<>();
  private final List<Path> configs = new ArrayList<>();

  private RedisSentinels(RedisServerProcess master, RedisServerProcess replica) {
    this.master = master;
    this.replica = replica;
  }

  public static RedisSentinels start() {
    RedisServerProcess master = RedisServerProcess.start();
    RedisSentinels set = new RedisSentinels(master, null);
    try {
      RedisServerProcess replica = RedisServerProcess.startWith("--replicaof", "127.0.0.1",
          Integer.toString(master.port()));
      set = new RedisSentinels(master, replica);
      for (int i = 0; i < 3; i++) {
        Path config = Files.createTempFile("tripstate-sentinel-", ".conf");
        Files.writeString(config, String.join("\n",
            "sentinel monitor " + MASTER_NAME + " 127.0.0.1 " + master.port() + " 2",
            "sentinel down-after-milliseconds " + MASTER_NAME + " 1000",
            "sentinel failover-timeout " + MASTER_NAME + " 5000",
            ""));
        set.configs.add(config);
        set.sentinels.add(RedisServerProcess.startOn(RedisServerProcess.freePort(), config, "--sentinel"));
      }
      RedisSentinels ready = set;
      Awaitility.await("the replica in sync and every sentinel seeing 2 others").atMost(READY_TIMEOUT)
          .pollInterval(Duration.ofMillis(100)).ignoreExceptions()
          .until(() -> replica.command("INFO", "replication").contains("master_link_status:up")
              && ready.sentinels.stream().allMatch(s -> s.command("SENTINEL", "SENTINELS", MASTER_NAME)
                  .lines().filter(line -> line.equals("name")).count() == 2));
      return set;
    } catch (IOException e) {
      set.close();
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      set.close();
      throw e;
    }
  }

  /** The data node the Sentinels currently name as master (its port). */
  public int currentMasterPort() {
    for (RedisServerProcess sentinel : sentinels) {
      if (sentinel.isRunning()) {
        List<String> reply = sentinel.command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", MASTER_NAME).lines().toList();
        return Integer.parseInt(reply.get(1));
      }
    }
    throw new IllegalStateException("no sentinel runs");
  }

  public RedisServerProcess master() {
    return master;
  }

  public RedisServerProcess replica() {
    return replica;
  }

  /** {@code redis://127.0.0.1:P} of every Sentinel, for {@code redis.endpoints} with type SENTINEL. */
  public List<String> sentinelEndpoints() {
    return sentinels.stream().map(RedisServerProcess::url).toList();
  }

  @Override
  public void close() {
    sentinels.forEach(RedisServerProcess::close);
    if (replica != null) {
      replica.close();
    }
    master.close();
    for (Path config : configs) {
      try {
        Files.deleteIfExists(config);
      } catch (IOException e) {
        // best effort
      }
    }
  }
}
