package io.tripstate.store;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisClientType;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * What must run on every master of a Redis Cluster: a SCAN sees the keys of one node only, and an
 * {@code INFO run_id} names one node. The cluster client routes keyed commands by itself; for these, the
 * masters are read from {@code CLUSTER SLOTS} and each gets a short-lived standalone client (one connection)
 * with the configured credentials and TLS settings.
 */
final class ClusterMasters {
  private ClusterMasters() {}

  /**
   * The {@code host:port} of every master that serves slots now.
   *
   * @param send sends one command through the cluster client, bounded in time
   */
  static Future<List<String>> discover(Function<Request, Future<Response>> send) {
    return send.apply(Request.cmd(Command.CLUSTER).arg("SLOTS")).map(ClusterMasters::masters);
  }

  /** {@code CLUSTER SLOTS} answers [start, end, [host, port, id], replicas...] per slot range. */
  static List<String> masters(Response slots) {
    Set<String> masters = new LinkedHashSet<>();
    for (Response range : slots) {
      Response master = range.get(2);
      masters.add(master.get(0).toString() + ":" + master.get(1).toLong());
    }
    return new ArrayList<>(masters);
  }

  /**
   * A standalone client of one master, with the options (password, TLS, timeouts) of the cluster client and
   * the scheme and user info of its first endpoint. One connection: it runs one command at a time.
   */
  static Redis clientFor(Vertx vertx, RedisOptions cluster, String hostPort) {
    URI first = URI.create(cluster.getEndpoint());
    String userInfo = first.getRawUserInfo() == null ? "" : first.getRawUserInfo() + "@";
    RedisOptions one = new RedisOptions(cluster)
        .setType(RedisClientType.STANDALONE)
        .setEndpoints(new ArrayList<>(List.of(first.getScheme() + "://" + userInfo + hostPort)))
        .setMaxPoolSize(1)
        .setMaxPoolWaiting(8);
    return Redis.createClient(vertx, one);
  }
}
