package io.tripstate.bench;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.tripstate.BreakerVerticle;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.logging.Logger;

/**
 * Measures how long {@code vertx.deployVerticle(new BreakerVerticle(), ...)} takes when Redis holds N breaker
 * snapshots: the deploy includes the restore (INFO, then SCAN COUNT 1000 + one MGET per batch, JSON decode,
 * registry fill). For each N (default 1000, 10000, 100000, or the counts given as arguments) it seeds a private
 * redis-server by pipelining SETs over one socket, then runs 1 warm-up and 5 measured deploys, each on a fresh
 * {@code Vertx.vertx()}, checks through the event-bus {@code status} action that all N breakers are served,
 * and prints min / median / max of the deploy wall time next to the restore time logged by Persistence, and
 * the warm-up deploy (the first one in the JVM is cold: class loading, JIT).
 * For the largest N it also prints the used heap after {@code System.gc()} divided by N: a rough figure.
 *
 * <p>Not a JUnit test. Run from the project directory:
 * <pre>
 * cd /work/main &amp;&amp; mvn -B -q test-compile &amp;&amp; mvn -B -q dependency:build-classpath -Dmdep.outputFile=/tmp/cp.txt \
 *   -Dmdep.includeScope=test &amp;&amp; java -Djava.util.logging.config.file=src/test/resources/logging.properties \
 *   -cp target/classes:target/test-classes:$(cat /tmp/cp.txt) io.tripstate.bench.RestoreTiming [N ...]
 * </pre>
 */
public final class RestoreTiming {
  private static final int WARMUPS = 1;
  private static final int RUNS = 5;
  private static final int SEED_BATCH = 10_000;
  // The "in X ms" of Persistence's "Restored N breaker(s) ... in X ms" line of the last deploy.
  private static volatile long lastRestoreMs = -1;
  // Held in a field: JUL keeps loggers weakly, and a collected logger would lose the filter.
  private static final Logger PERSISTENCE_LOG = Logger.getLogger("io.tripstate.store.Persistence");

  public static void main(String[] args) throws Exception {
    int[] counts = args.length == 0 ? new int[] {1_000, 10_000, 100_000}
        : Arrays.stream(args).mapToInt(Integer::parseInt).toArray();
    int largest = Arrays.stream(counts).max().orElseThrow();
    captureRestoreTimes();
    List<String> rows = new ArrayList<>();
    String heapLine = "";
    try (RedisServerProcess redis = RedisServerProcess.start()) {
      System.out.println("redis-server " + RedisServerProcess.binaryDescription() + " at " + redis.url());
      for (int n : counts) {
        redis.command("FLUSHALL");
        long seedStart = System.nanoTime();
        seed(redis.port(), n);
        System.out.printf("seeded %,d keys in %d ms (DBSIZE %s)%n", n, (System.nanoTime() - seedStart) / 1_000_000,
            redis.command("DBSIZE"));
        long[] deployMs = new long[RUNS];
        long[] restoreMs = new long[RUNS];
        long warmupMs = 0;
        for (int run = -WARMUPS; run < RUNS; run++) {
          boolean measureHeap = n == largest && run == RUNS - 1;
          long[] timing = deployOnce(redis.url(), n, measureHeap);
          if (measureHeap) {
            heapLine = String.format("heap with %,d breakers loaded: %.1f MB used in all = %,d bytes/breaker; "
                + "%.1f MB more than before the deploy = %,d bytes/breaker (rough: one System.gc(), whole heap)",
                n, timing[2] / 1e6, timing[2] / n, (timing[2] - timing[3]) / 1e6, (timing[2] - timing[3]) / n);
          }
          if (run >= 0) {
            deployMs[run] = timing[0];
            restoreMs[run] = timing[1];
          } else {
            warmupMs = Math.max(warmupMs, timing[0]);
          }
        }
        Arrays.sort(deployMs);
        Arrays.sort(restoreMs);
        rows.add(String.format("%9d | %7d %7d %7d | %7d %7d %7d | %7d", n, deployMs[0], deployMs[RUNS / 2],
            deployMs[RUNS - 1], restoreMs[0], restoreMs[RUNS / 2], restoreMs[RUNS - 1], warmupMs));
      }
    }
    System.out.printf("%n%d measured runs per N after %d warm-up, each on a fresh Vertx; times in ms%n", RUNS, WARMUPS);
    System.out.println("        N | deploy: min  median     max | restore: min median     max | warm-up deploy");
    rows.forEach(System.out::println);
    System.out.println(heapLine);
  }

  /** Deploys once; returns {deploy ms, restore ms as logged, used heap after deploy, used heap before}. */
  private static long[] deployOnce(String url, int n, boolean measureHeap) throws Exception {
    JsonObject config = new JsonObject().put("address", "bench").put("maxBreakers", 200_000)
        .put("redis", new JsonObject().put("connectionString", url))
        .put("persistence", new JsonObject().put("keyPrefix", "bench:").put("restoreTimeoutMs", 60_000));
    Vertx vertx = Vertx.vertx();
    try {
      long heapBefore = measureHeap ? usedHeapAfterGc() : 0;
      lastRestoreMs = -1;
      long start = System.nanoTime();
      vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config)).await();
      long deployMs = (System.nanoTime() - start) / 1_000_000;
      JsonObject status = vertx.eventBus().<JsonObject>request("bench", new JsonObject(),
          new DeliveryOptions().addHeader("action", "status").setSendTimeout(60_000)).await().body();
      int served = status.getJsonArray("breakers").size();
      boolean restored = status.getJsonObject("persistence").getBoolean("restored", false);
      if (served != n || !restored) {
        throw new IllegalStateException("expected " + n + " restored breakers, status shows " + served
            + " (restored=" + restored + ")");
      }
      status = null; // the reply holds N JsonObjects of its own: let the GC below drop it
      long heapAfter = measureHeap ? usedHeapAfterGc() : 0;
      return new long[] {deployMs, lastRestoreMs, heapAfter, heapBefore};
    } finally {
      vertx.close().await();
    }
  }

  /** Writes N SETs over one socket, SEED_BATCH commands at a time, reading each batch's replies after it. */
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
        byte[] replies = new byte[5 * (to - from)];
        in.readFully(replies);
        if (!new String(replies, US_ASCII).equals("+OK\r\n".repeat(to - from))) {
          throw new IOException("a SET failed: " + new String(replies, US_ASCII).replace("+OK\r\n", ""));
        }
      }
    }
  }

  private static long usedHeapAfterGc() throws InterruptedException {
    System.gc();
    Thread.sleep(200);
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }

  /** Persistence logs through System.Logger, by default java.util.logging: a filter reads the "in X ms" argument. */
  private static void captureRestoreTimes() {
    PERSISTENCE_LOG.setFilter(record -> {
      Object[] params = record.getParameters();
      if (String.valueOf(record.getMessage()).startsWith("{0} {1} breaker(s)") && params != null
          && params.length > 3 && params[3] instanceof Number ms) {
        lastRestoreMs = ms.longValue();
      }
      return true;
    });
  }
}
