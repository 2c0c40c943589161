package io.tripstate.support;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;

/**
 * A Redis Cluster of private {@link RedisServerProcess}es on loopback: {@code masters} masters, each with
 * {@code replicasPerMaster} replicas, slots split evenly. Formed with plain cluster commands (CLUSTER MEET,
 * ADDSLOTS, REPLICATE), so it needs no redis-cli and works with the embedded 6.2 binary too. Start one per
 * test class: forming it takes 2-3 s. Every method blocks: call from test threads only.
 */
public final class RedisCluster implements AutoCloseable {
  private static final int SLOTS = 16384;
  private static final Duration FORM_TIMEOUT = Duration.ofSeconds(30);

  private final List<RedisServerProcess> masters = new ArrayList<>();
  private final List<RedisServerProcess> replicas = new ArrayList<>();

  private RedisCluster() {}

  /** Starts and forms a cluster; {@code nodeTimeoutMs} is Redis's cluster-node-timeout (failure detection). */
  public static RedisCluster start(int masters, int replicasPerMaster, long nodeTimeoutMs) {
    RedisCluster cluster = new RedisCluster();
    try {
      for (int i = 0; i < masters * (1 + replicasPerMaster); i++) {
        RedisServerProcess node = RedisServerProcess.startOn(RedisServerProcess.freeClusterPort(), null,
            "--save", "", "--appendonly", "no", "--cluster-enabled", "yes",
            "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", Long.toString(nodeTimeoutMs));
        (i < masters ? cluster.masters : cluster.replicas).add(node);
      }
      cluster.form(replicasPerMaster);
      return cluster;
    } catch (RuntimeException e) {
      cluster.close();
      throw e;
    }
  }

  private void form(int replicasPerMaster) {
    RedisServerProcess first = masters.get(0);
    for (RedisServerProcess node : all()) {
      if (node != first) {
        expectOk(first.command("CLUSTER", "MEET", "127.0.0.1", Integer.toString(node.port())));
      }
    }
    for (int m = 0; m < masters.size(); m++) {
      int from = SLOTS * m / masters.size();
      int to = SLOTS * (m + 1) / masters.size();
      List<String> args = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
      IntStream.range(from, to).mapToObj(Integer::toString).forEach(args::add);
      expectOk(masters.get(m).command(args.toArray(String[]::new)));
    }
    await("every node to know all " + all().size() + " nodes", () -> all().stream()
        .allMatch(node -> node.command("CLUSTER", "NODES").lines().count() == all().size()));
    for (int r = 0; r < replicas.size(); r++) {
      RedisServerProcess master = masters.get(r / replicasPerMaster);
      String masterId = master.command("CLUSTER", "MYID");
      RedisServerProcess replica = replicas.get(r);
      await("replica " + replica.port() + " to replicate " + master.port(),
          () -> replica.command("CLUSTER", "REPLICATE", masterId).equals("OK"));
    }
    await("cluster_state:ok on every node", () -> all().stream()
        .allMatch(node -> node.command("CLUSTER", "INFO").contains("cluster_state:ok")));
  }

  /** The masters as started (a failover may promote a replica later: see {@link #currentMasterPorts()}). */
  public List<RedisServerProcess> masters() {
    return List.copyOf(masters);
  }

  public List<RedisServerProcess> replicas() {
    return List.copyOf(replicas);
  }

  public List<RedisServerProcess> all() {
    List<RedisServerProcess> all = new ArrayList<>(masters);
    all.addAll(replicas);
    return all;
  }

  /** {@code redis://127.0.0.1:P} of every node, for {@code redis.endpoints}. */
  public List<String> endpoints() {
    return all().stream().map(RedisServerProcess::url).toList();
  }

  /** Ports of the nodes that currently serve slots as masters, asked of a running node. */
  public List<Integer> currentMasterPorts() {
    RedisServerProcess alive = all().stream().filter(RedisServerProcess::isRunning).findFirst().orElseThrow();
    return alive.command("CLUSTER", "NODES").lines()
        .filter(line -> line.contains("master") && !line.contains("fail") && line.split(" ").length > 8)
        .map(line -> Integer.parseInt(line.split(" ")[1].replaceAll(".*:(\\d+)@.*", "$1")))
        .toList();
  }

  /** The node serving a key's slot now, asked of a running node. */
  public RedisServerProcess nodeFor(String key) {
    RedisServerProcess alive = all().stream().filter(RedisServerProcess::isRunning).findFirst().orElseThrow();
    int slot = Integer.parseInt(alive.command("CLUSTER", "KEYSLOT", key));
    for (String line : alive.command("CLUSTER", "NODES").lines().toList()) {
      String[] fields = line.split(" ");
      if (!fields[2].contains("master") || fields[2].contains("fail")) {
        continue;
      }
      for (int i = 8; i < fields.length; i++) {
        String[] range = fields[i].split("-");
        int low = Integer.parseInt(range[0]);
        int high = Integer.parseInt(range[range.length - 1]);
        if (slot >= low && slot <= high) {
          int port = Integer.parseInt(fields[1].replaceAll(".*:(\\d+)@.*", "$1"));
          return all().stream().filter(node -> node.port() == port).findFirst().orElseThrow();
        }
      }
    }
    throw new IllegalStateException("no master serves slot " + slot + " of key " + key);
  }

  @Override
  public void close() {
    all().forEach(RedisServerProcess::close);
  }

  private static void expectOk(String reply) {
    if (!"OK".equals(reply)) {
      throw new IllegalStateException("cluster set-up command failed: " + reply);
    }
  }

  private static void await(String what, java.util.concurrent.Callable<Boolean> condition) {
    Awaitility.await(what).atMost(FORM_TIMEOUT).pollInterval(Duration.ofMillis(50))
        .ignoreExceptions().until(condition);
  }
}
