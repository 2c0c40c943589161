package io.tripstate.bench;

import io.tripstate.BreakerVerticle;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.json.JsonObject;
import java.util.Map;
import java.util.TreeMap;

/**
 * Section 4 of issue 5: Redis commands per transition and per non-transition record, counted with
 * {@code INFO commandstats} on a private redis-server after {@code CONFIG RESETSTAT}. One request in flight;
 * after each phase it waits 1.5 s (longer than {@code counterFlushMs} and {@code retryMs}) so that every
 * coalesced write has landed; health probes in that time are counted too and shown apart.
 */
public final class PersistenceCommands {
  private static final String API = "bench.persist";

  private PersistenceCommands() {}

  public static void main(String[] args) throws Exception {
    boolean quick = Summary.quick(args);
    int n = quick ? 500 : 2_000;
    Summary summary = new Summary("4-persistence", "Persistence: Redis commands (INFO commandstats, private "
        + "redis-server, " + n + " operations per phase)", "phase", "operations", "EVALSHA (writes)",
        "writes per operation", "other commands (GET/SET: run inside the script)", "expected");
    try (RedisServerProcess redis = RedisServerProcess.start()) {
      Vertx vertx = Vertx.vertx();
      try {
        JsonObject config = new JsonObject().put("address", API)
            .put("redis", new JsonObject().put("connectionString", redis.url()))
            .put("persistence", new JsonObject().put("keyPrefix", "bench:"))
            .put("defaults", new JsonObject().put("failureThreshold", 1_000_000).put("resetTimeoutMs", 3_600_000))
            .put("breakers", new JsonObject().put("trips", new JsonObject().put("failureThreshold", 1)));
        vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config)).await();
        request(vertx, "acquire", new JsonObject().put("name", "calm"));

        phase(redis, summary, "acquire + record(success) in closed", n, "0", () -> {
          JsonObject permit = request(vertx, "acquire", new JsonObject().put("name", "calm"));
          request(vertx, "record", new JsonObject().put("name", "calm").put("outcome", "success")
              .put("permit", permit.getString("permit")));
        });
        // Coalesced per second, not per operation: a shorter phase has more writes per operation.
        phase(redis, summary, "record(failure) in closed, no transition", n,
            "coalesced: 1 per counterFlushMs (1 s)" + (quick ? " (not comparable: --quick's phase is shorter)" : ""), () ->
            request(vertx, "record", new JsonObject().put("name", "counting").put("outcome", "failure")));
        phase(redis, summary, "transition: record(failure) opens, reset closes (2 per op)", n, "2 at most (coalesced)", () -> {
          request(vertx, "record", new JsonObject().put("name", "trips").put("outcome", "failure"));
          request(vertx, "reset", new JsonObject().put("name", "trips"));
        });
        phase(redis, summary, "same, paced: 5 ms pause after each transition", n / 5, "2", () -> {
          request(vertx, "record", new JsonObject().put("name", "trips").put("outcome", "failure"));
          pause();
          request(vertx, "reset", new JsonObject().put("name", "trips"));
          pause();
        });
      } finally {
        vertx.close().await();
      }
    }
    summary.note("Back-to-back transitions on one breaker are written fewer times than they happen: while a "
        + "write is in flight, newer snapshots of the same breaker replace the queued one (the latest state wins). "
        + "\"other commands\" are those beside EVALSHA in the same phase (health probes run every "
        + "retryMs = 1 s, and the 1.5 s wait after each phase is counted).");
    summary.write();
  }

  private static void phase(RedisServerProcess redis, Summary summary, String name, int n, String expected,
      Runnable op) throws InterruptedException {
    redis.command("CONFIG", "RESETSTAT");
    for (int i = 0; i < n; i++) {
      op.run();
    }
    Thread.sleep(1_500);
    Map<String, Long> calls = commandCalls(redis.command("INFO", "commandstats"));
    // Redis counts the commands a script runs too: the GET and SET inside the write script are not extra trips.
    long writes = calls.getOrDefault("evalsha", 0L) + calls.getOrDefault("eval", 0L);
    Map<String, Long> others = new TreeMap<>(calls);
    others.keySet().removeAll(java.util.List.of("evalsha", "eval", "config", "config|resetstat", "info"));
    summary.row(name, n, writes, String.format("%.3f", writes / (double) n), others.isEmpty() ? "none" : others,
        expected);
  }

  private static void pause() {
    try {
      Thread.sleep(5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Map<String, Long> commandCalls(String info) {
    Map<String, Long> calls = new TreeMap<>();
    for (String line : info.split("\r?\n")) {
      if (line.startsWith("cmdstat_")) {
        String command = line.substring("cmdstat_".length(), line.indexOf(':'));
        String count = line.substring(line.indexOf("calls=") + 6);
        calls.put(command, Long.parseLong(count.substring(0, count.indexOf(','))));
      }
    }
    return calls;
  }

  private static JsonObject request(Vertx vertx, String action, JsonObject body) {
    return vertx.eventBus().<JsonObject>request(API, body, new DeliveryOptions().addHeader("action", action))
        .await().body();
  }
}
