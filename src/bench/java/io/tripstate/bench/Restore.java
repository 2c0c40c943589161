package io.tripstate.bench;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.tripstate.BreakerVerticle;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisAPI;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Response;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Section 5 of issue 5: deploy time of {@link BreakerVerticle} with N snapshots in a private Redis (the
 * deploy includes the restore), against a naive restore in
 * the same run: SCAN, then one GET per key, sequentially, with vertx-redis-client, decoding each value.
 * Each deploy runs on a fresh Vertx after a warm-up deploy; times are medians.
 */
public final class Restore {
  private static final int SEED_BATCH = 10_000;

  private Restore() {}

  public static void main(String[] args) throws IOException {
    boolean quick = Summary.quick(args);
    int runs = quick ? 2 : 5;
    Summary summary = new Summary("5-restore", "Restore: deploy with N snapshots in Redis vs naive SCAN + GET "
        + "per key (median of " + runs + " after 1 warm-up; naive: median of " + (quick ? 1 : 3) + ")",
        "snapshots", "tripstate deploy ms", "naive restore ms", "naive / tripstate", "others' CPU (cores)");
    try (RedisServerProcess redis = RedisServerProcess.start()) {
      // --quick leaves out 100,000: its naive restore alone takes 7-15 s here.
      for (int n : quick ? new int[] {1_000, 10_000} : new int[] {1_000, 10_000, 100_000}) {
        redis.command("FLUSHALL");
        seed(redis.port(), n);
        Contention contention = Contention.start();
        long[] deploy = new long[runs];
        for (int run = -1; run < runs; run++) {
          long ms = deployOnce(redis.url(), n);
          if (run >= 0) {
            deploy[run] = ms;
          }
        }
        int naiveRuns = quick ? 1 : 3;
        long[] naive = new long[naiveRuns];
        naiveOnce(redis.url(), Math.min(n, 1_000)); // warm-up
        for (int run = 0; run < naiveRuns; run++) {
          naive[run] = naiveOnce(redis.url(), n);
        }
        long deployMs = median(deploy);
        long naiveMs = median(naive);
        System.out.printf("%,d snapshots: deploy %s ms, naive %s ms%n", n, Arrays.toString(deploy),
            Arrays.toString(naive));
        double others = contention.othersCores();
        // --quick: a median of 2 deploys and a single naive restore; other processes' load moves them most.
        String label = quick && others > Contention.MAX_OTHERS_CORES
            ? " (not comparable: other processes took " + Contention.format(others) + " cores)" : "";
        summary.row(String.format("%,d", n), deployMs, naiveMs, String.format("%.1fx", naiveMs / (double) Math.max(1,
            deployMs)) + label, Contention.format(others));
      }
    }
    summary.write();
  }

  private static long deployOnce(String url, int n) {
    JsonObject config = new JsonObject().put("address", "bench").put("maxBreakers", 200_000)
        .put("redis", new JsonObject().put("connectionString", url))
        .put("persistence", new JsonObject().put("keyPrefix", "bench:").put("restoreTimeoutMs", 60_000));
    Vertx vertx = Vertx.vertx();
    try {
      long start = System.nanoTime();
      vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config)).await();
      long ms = (System.nanoTime() - start) / 1_000_000;
      int served = vertx.eventBus().<JsonObject>request("bench", new JsonObject(),
          new DeliveryOptions().addHeader("action", "status").setSendTimeout(60_000)).await().body()
          .getJsonArray("breakers").size();
      if (served != n) {
        throw new IllegalStateException("expected " + n + " restored breakers, status shows " + served);
      }
      return ms;
    } finally {
      vertx.close().await();
    }
  }

  /** SCAN all keys, then GET them one after another, decoding each: returns the wall time in ms. */
  private static long naiveOnce(String url, int n) {
    Vertx vertx = Vertx.vertx();
    try {
      RedisAPI redis = RedisAPI.api(Redis.createClient(vertx, new RedisOptions().setConnectionString(url)));
      long start = System.nanoTime();
      List<String> keys = new ArrayList<>();
      scan(redis, "0", keys).await();
      List<JsonObject> snapshots = new ArrayList<>(keys.size());
      getEach(redis, keys, 0, Math.min(n, keys.size()), snapshots).await();
      long ms = (System.nanoTime() - start) / 1_000_000;
      if (snapshots.size() != Math.min(n, keys.size())) {
        throw new IllegalStateException("naive restore read " + snapshots.size() + " of " + n);
      }
      redis.close();
      return ms;
    } finally {
      vertx.close().await();
    }
  }

  private static Future<Void> scan(RedisAPI redis, String cursor, List<String> keys) {
    return redis.scan(List.of(cursor, "MATCH", "bench:*", "COUNT", "1000")).compose(reply -> {
      for (Response key : reply.get(1)) {
        keys.add(key.toString());
      }
      String next = reply.get(0).toString();
      return next.equals("0") ? Future.succeededFuture() : scan(redis, next, keys);
    });
  }

  /** One GET after another; the next starts from the previous reply (no nested futures: 100,000 would overflow). */
  private static Future<Void> getEach(RedisAPI redis, List<String> keys, int from, int to, List<JsonObject> out) {
    Promise<Void> done = Promise.promise();
    getNext(redis, keys, from, to, out, done);
    return done.future();
  }

  private static void getNext(RedisAPI redis, List<String> keys, int i, int to, List<JsonObject> out,
      Promise<Void> done) {
    if (i == to) {
      done.complete();
      return;
    }
    redis.get(keys.get(i)).onComplete(reply -> {
      if (reply.failed()) {
        done.fail(reply.cause());
        return;
      }
      out.add(new JsonObject(reply.result().toString()));
      getNext(redis, keys, i + 1, to, out, done);
    });
  }

  private static long median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return sorted[sorted.length / 2];
  }

  /** N SETs pipelined over one socket: open breakers, as a restart would find them. */
  private static void seed(int port, int n) throws IOException {
    long now = System.currentTimeMillis() / 1000;
    try (Socket socket = new Socket("127.0.0.1", port)) {
      OutputStream out = new BufferedOutputStream(socket.getOutputStream(), 1 << 16);
      DataInputStream in = new DataInputStream(socket.getInputStream());
      for (int from = 0; from < n; from += SEED_BATCH) {
        int to = Math.min(n, from + SEED_BATCH);
        for (int i = from; i < to; i++) {
          String key = "bench:b" + i + ":state";
          String value = "{\"name\":\"b" + i + "\",\"state\":\"open\",\"failure_count\":5,\"opened_at\":" + now
              + ",\"half_open_attempts\":0,\"version\":3,\"updated_at\":" + now + "}";
          out.write(("*3\r\n$3\r\nSET\r\n$" + key.length() + "\r\n" + key + "\r\n$" + value.length() + "\r\n"
              + value + "\r\n").getBytes(US_ASCII));
        }
        out.flush();
        in.readFully(new byte[5 * (to - from)]);
      }
    }
  }
}
