package io.tripstate.bench;

import io.tripstate.BreakerVerticle;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.Arrays;

/**
 * Measures, against a private local Redis, the reply time of requests that cause a transition
 * ({@code force_open} and {@code reset}, alternating) with {@code persistence.ackAfterWrite} off and on.
 * With it on, the reply waits for Redis's acknowledgement, so its time is the transition-to-Redis-ack time
 * plus one event-bus round trip; the difference between the two is the cost of {@code ackAfterWrite}.
 * A benchmark, not a test: it asserts nothing and prints p50/p99/max.
 *
 * <pre>
 * mvn -B -q test-compile &amp;&amp; mvn -B -q dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt \
 *     -Dmdep.includeScope=test &amp;&amp; java -Djava.util.logging.config.file=src/test/resources/logging.properties \
 *     -cp target/classes:target/test-classes:$(cat /tmp/cp.txt) io.tripstate.bench.PersistenceLatency [requests]
 * </pre>
 */
public final class PersistenceLatency {
  private PersistenceLatency() {}

  public static void main(String[] args) {
    int requests = args.length > 0 ? Integer.parseInt(args[0]) : 5_000;
    try (RedisServerProcess redis = RedisServerProcess.start()) {
      System.out.printf("Redis %s, %d transitions per run, one request in flight%n", redis.url(), requests);
      System.out.println("ackAfterWrite |   p50 us |   p99 us |   max us");
      for (boolean ack : new boolean[] {false, true, false, true}) {
        long[] micros = run(redis.url(), ack, requests);
        Arrays.sort(micros);
        System.out.printf("%13s | %8d | %8d | %8d%n", ack, micros[micros.length / 2],
            micros[(int) (micros.length * 0.99)], micros[micros.length - 1]);
      }
    }
  }

  private static long[] run(String url, boolean ack, int requests) {
    Vertx vertx = Vertx.vertx();
    try {
      JsonObject config = new JsonObject().put("address", "bench")
          .put("redis", new JsonObject().put("connectionString", url))
          .put("persistence", new JsonObject().put("keyPrefix", "bench:").put("ackAfterWrite", ack))
          .put("history", new JsonObject().put("maxEntries", Integer.getInteger("bench.historyEntries", 1000)))
          .put("metrics", new JsonObject().put("enabled", Boolean.parseBoolean(System.getProperty("bench.metrics", "true"))));
      vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config)).await();
      long[] micros = new long[requests];
      JsonObject body = new JsonObject().put("name", "latency");
      for (int i = -1_000; i < requests; i++) {
        String action = (i & 1) == 0 ? "force_open" : "reset";
        long started = System.nanoTime();
        JsonObject reply = vertx.eventBus().<JsonObject>request("bench", body,
            new DeliveryOptions().addHeader("action", action)).await().body();
        long elapsed = (System.nanoTime() - started) / 1_000;
        if (ack && !"written".equals(reply.getString("snapshot"))) {
          throw new IllegalStateException("not acknowledged: " + reply);
        }
        if (i >= 0) {
          micros[i] = elapsed;
        }
      }
      return micros;
    } finally {
      vertx.close().await();
    }
  }
}
