package io.tripstate.bench;

import io.tripstate.BreakerVerticle;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * App instances for {@link SharingFigures}: each a Vert.x of its own (its own event bus, as a separate process
 * would have) with a {@code BreakerVerticle} whose persistence and sharing use one private redis-server and one
 * key prefix; plus the server-side counters the figures are made of ({@code INFO commandstats}, {@code INFO cpu}).
 */
final class SharingFleet implements AutoCloseable {
  static final String API = "tripstate";
  static final String TRANSITIONS = "tripstate.transitions";
  /** The commands tripstate sends (src/main: {@code Command.*}), beside the ones its scripts run inside. */
  static final java.util.Set<String> SENT = java.util.Set.of("evalsha", "eval", "xadd", "xread", "xrange",
      "xrevrange", "ping", "mget", "scan", "script|load", "cluster|slots", "cluster|shards");

  final RedisServerProcess redis;
  final String prefix;
  final List<Vertx> members = new ArrayList<>();

  /** A fleet on a key prefix of its own. */
  SharingFleet(RedisServerProcess redis) {
    this(redis, "share:" + UUID.randomUUID().toString().substring(0, 8) + ":");
  }

  /** A fleet on {@code prefix}: the snapshots another fleet wrote there are restored by each instance. */
  SharingFleet(RedisServerProcess redis, String prefix) {
    this.redis = redis;
    this.prefix = prefix;
  }

  /**
   * The config of instance {@code id}: sharing as given, the default {@code resyncMs} and {@code heartbeatMs}
   * unless {@code tune} sets them, everything else default but
   * the limits a benchmark needs and the transition history (off: see {@link ServerStats#since}).
   */
  JsonObject config(String id, boolean sharing) {
    return config(redis, prefix, id, sharing);
  }

  /** The same for any prefix; history off, so that the commands counted are exactly what sharing sends. */
  static JsonObject config(RedisServerProcess redis, String prefix, String id, boolean sharing) {
    return new JsonObject().put("address", API).put("transitionsAddress", TRANSITIONS).put("maxBreakers", 20_000)
        .put("redis", new JsonObject().put("connectionString", redis.url()))
        .put("persistence", new JsonObject().put("keyPrefix", prefix))
        .put("history", new JsonObject().put("maxEntries", 0))
        .put("sharing", new JsonObject().put("enabled", sharing).put("instanceId", id))
        .put("defaults", new JsonObject().put("resetTimeoutMs", 3_600_000));
  }

  /** Starts {@code count} more instances ({@code i0}, {@code i1}, ...), each on {@code eventLoops} loops. */
  SharingFleet start(int count, int eventLoops, boolean sharing, Consumer<JsonObject> tune) {
    for (int i = 0; i < count; i++) {
      JsonObject config = config("i" + members.size(), sharing);
      tune.accept(config);
      Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops).setWorkerPoolSize(2));
      vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config))
          .timeout(120, TimeUnit.SECONDS).await();
      members.add(vertx);
    }
    return this;
  }

  Vertx get(int index) {
    return members.get(index);
  }

  int size() {
    return members.size();
  }

  /** An API request to instance {@code index}; the reply body. */
  Future<JsonObject> request(int index, String action, JsonObject body) {
    return request(members.get(index), action, body);
  }

  static Future<JsonObject> request(Vertx vertx, String action, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(API, body, new DeliveryOptions().addHeader("action", action)
        .setSendTimeout(30_000)).map(m -> m.body());
  }

  /** The same, waited for on this (non-event-loop) thread. */
  JsonObject send(int index, String action, JsonObject body) {
    return request(index, action, body).timeout(60, TimeUnit.SECONDS).await();
  }

  /** Sends {@code count} requests, at most {@code inFlight} outstanding; fails on the first refused one. */
  void sendAll(int count, int inFlight, java.util.function.IntFunction<Future<JsonObject>> request) {
    List<Future<JsonObject>> window = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      window.add(request.apply(i));
      if (window.size() == inFlight || i == count - 1) {
        Future.all(window).timeout(60, TimeUnit.SECONDS).await();
        window.clear();
      }
    }
  }

  /** Sleeps on this (non-event-loop) thread: the benchmark's own pacing, never a wait for a condition. */
  static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    for (Vertx vertx : members) {
      vertx.close().timeout(30, TimeUnit.SECONDS).await();
    }
    members.clear();
  }

  /** What redis-server counted at one moment: calls per command, and CPU seconds used (sys + user). */
  record ServerStats(Map<String, Long> calls, double cpuSeconds, long atNanos) {
    static ServerStats of(RedisServerProcess redis) {
      long at = System.nanoTime();
      Map<String, Long> calls = new TreeMap<>();
      for (String line : redis.command("INFO", "commandstats").split("\r?\n")) {
        if (line.startsWith("cmdstat_")) {
          String command = line.substring("cmdstat_".length(), line.indexOf(':'));
          String count = line.substring(line.indexOf("calls=") + 6);
          calls.put(command, Long.parseLong(count.substring(0, count.indexOf(','))));
        }
      }
      double cpu = 0;
      for (String line : redis.command("INFO", "cpu").split("\r?\n")) {
        if (line.startsWith("used_cpu_sys:") || line.startsWith("used_cpu_user:")) {
          cpu += Double.parseDouble(line.substring(line.indexOf(':') + 1).trim());
        }
      }
      return new ServerStats(calls, cpu, at);
    }

    /**
     * The round trips since {@code before}, per command: the commands tripstate sends itself (Redis also counts
     * the commands its scripts run inside, which are no round trips: those are left out, as are the benchmark's
     * own {@code INFO} and {@code CONFIG}). Exact with {@code history.maxEntries: 0}, as {@link SharingFigures}
     * runs: the history script is the only one that runs an {@code XADD} inside.
     */
    Map<String, Long> since(ServerStats before) {
      Map<String, Long> delta = new TreeMap<>();
      calls.forEach((command, count) -> {
        long d = count - before.calls.getOrDefault(command, 0L);
        if (d > 0 && SENT.contains(command)) {
          delta.put(command, d);
        }
      });
      return delta;
    }

    double seconds(ServerStats before) {
      return (atNanos - before.atNanos) / 1e9;
    }

    double cpuSince(ServerStats before) {
      return cpuSeconds - before.cpuSeconds;
    }
  }

  static long total(Map<String, Long> calls) {
    return calls.values().stream().mapToLong(Long::longValue).sum();
  }
}
