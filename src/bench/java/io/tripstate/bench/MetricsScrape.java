package io.tripstate.bench;

import io.tripstate.BreakerVerticle;
import io.tripstate.metrics.BreakerMetrics;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import com.sun.management.OperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * How long one metrics scrape takes with many breakers (issue 12's target: 10,000 breakers under 100 ms).
 * Deploys a verticle (persistence off, so only the scrape is measured) with N breakers, a tenth of them open,
 * then times scrapes after a warm-up: {@code BreakerMetrics.scrape()} (the owner's refresh, then the text written
 * on a worker thread; wall time, and the CPU time of the whole JVM meanwhile, GC included, which a machine
 * busy with other work inflates less) and {@code GET /metrics} over loopback HTTP (the same plus sending the
 * text).
 *
 * <pre>{@code java -cp "$CP" io.tripstate.bench.MetricsScrape [breakers, default 10000] [--time-window]}</pre>
 * {@code --time-window} gives every breaker a time window, the worst case for the owner: their rates change with
 * time alone, so each scrape recomputes all of them.
 */
public final class MetricsScrape {
  private static final String ADDRESS = "bench.metrics";
  private static final int WARM_UP = 15;
  private static final int MEASURED = 30;

  private MetricsScrape() {}

  public static void main(String[] args) throws Exception {
    int breakers = args.length > 0 && !args[0].startsWith("--") ? Integer.parseInt(args[0]) : 10_000;
    boolean timeWindow = Arrays.asList(args).contains("--time-window");
    Vertx vertx = Vertx.vertx();
    try {
      JsonObject defaults = new JsonObject().put("failureThreshold", 1);
      if (timeWindow) {
        defaults.put("window", new JsonObject().put("type", "time").put("size", 60).put("minimumCalls", 1));
      }
      JsonObject config = new JsonObject().put("address", ADDRESS).put("maxBreakers", breakers)
          .put("persistence", new JsonObject().put("enabled", false))
          .put("http", new JsonObject().put("port", 0))
          .put("defaults", defaults);
      BreakerVerticle verticle = new BreakerVerticle();
      vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config)).await();
      create(vertx, breakers);
      BreakerMetrics metrics = BreakerMetrics.find(vertx, ADDRESS);
      HttpClient http = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + verticle.httpPort() + "/metrics");

      int bytes = 0;
      for (int i = 0; i < WARM_UP; i++) {
        bytes = metrics.scrape().await(30, TimeUnit.SECONDS).length();
        http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.discarding());
      }
      double[] direct = new double[MEASURED];
      double[] cpu = new double[MEASURED];
      double[] overHttp = new double[MEASURED];
      OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
      for (int i = 0; i < MEASURED; i++) {
        long cpuStart = os.getProcessCpuTime();
        long start = System.nanoTime();
        Buffer text = metrics.scrape().await(30, TimeUnit.SECONDS);
        direct[i] = (System.nanoTime() - start) / 1e6;
        cpu[i] = (os.getProcessCpuTime() - cpuStart) / 1e6;
        start = System.nanoTime();
        HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(uri).build(),
            HttpResponse.BodyHandlers.ofByteArray());
        overHttp[i] = (System.nanoTime() - start) / 1e6;
        if (response.statusCode() != 200 || text.length() == 0) {
          throw new IllegalStateException("scrape failed: HTTP " + response.statusCode());
        }
      }
      System.out.printf("[metrics] %,d breakers (%s window), %,d bytes per scrape, %d scrapes after %d warm-up%n",
          breakers, timeWindow ? "time" : "consecutive", bytes, MEASURED, WARM_UP);
      System.out.println("[metrics] BreakerMetrics.scrape(): " + summary(direct));
      System.out.println("[metrics]   CPU of the whole JVM:   " + summary(cpu) + " (less sensitive to a busy machine)");
      System.out.println("[metrics] GET /metrics:             " + summary(overHttp));
    } finally {
      vertx.close().await(30, TimeUnit.SECONDS);
    }
  }

  /** Creates the breakers through the event bus, 500 requests in flight at a time; every tenth one opened. */
  private static void create(Vertx vertx, int breakers) {
    for (int from = 0; from < breakers; from += 500) {
      List<Future<?>> batch = new ArrayList<>();
      for (int i = from; i < Math.min(breakers, from + 500); i++) {
        String name = "breaker-" + i;
        JsonObject body = new JsonObject().put("name", name);
        if (i % 10 == 0) {
          body.put("outcome", "failure").put("duration_ms", 12);
        }
        String action = i % 10 == 0 ? "record" : "acquire";
        batch.add(vertx.eventBus().request(ADDRESS, body, new DeliveryOptions().addHeader("action", action)));
      }
      Future.all(batch).await();
    }
  }

  private static String summary(double[] millis) {
    double[] sorted = millis.clone();
    Arrays.sort(sorted);
    return String.format("min %.1f ms, median %.1f ms, p90 %.1f ms, max %.1f ms", sorted[0],
        sorted[sorted.length / 2], sorted[(int) (sorted.length * 0.9)], sorted[sorted.length - 1]);
  }
}
