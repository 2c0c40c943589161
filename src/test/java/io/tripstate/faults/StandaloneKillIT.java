package io.tripstate.faults;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.support.RedisServerProcess;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone app (io.tripstate.app.Main from the packaged jar) killed with SIGKILL right after a series of
 * admin transitions: started again, it must restore exactly every breaker whose transition was acknowledged at
 * least 100 ms before the kill. An integration test (run by failsafe after {@code package}, so that the jar and
 * {@code target/classpath.txt} exist); run elsewhere, it falls back to this JVM's class path and says so.
 */
class StandaloneKillIT {
  private static final int BREAKERS = 10;
  private static final int TRANSITIONS = 30;
  private static final long DURABLE_AFTER_MS = 100;
  private static final String TOKEN = "kill-test-" + UUID.randomUUID();

  private final RedisServerProcess redis = RedisServerProcess.start();
  private final List<StandaloneApp> children = new ArrayList<>();
  @TempDir
  Path dir;
  private int port;

  /** One acknowledged admin transition: the snapshot it replied and when the reply arrived. */
  private record Ack(String name, JsonObject snapshot, long ackNanos) {}

  @AfterEach
  void killChildrenAndStopRedis() throws InterruptedException {
    try {
      for (StandaloneApp child : children) {
        child.kill();
      }
    } finally {
      redis.close();
    }
  }

  @Test
  void everyTransitionAcknowledgedAtLeast100MsBeforeASigkillIsRestoredExactly() throws Exception {
    // Given the standalone app with admin routes, against a private Redis
    port = StandaloneApp.freePort();
    String prefix = "kill:" + UUID.randomUUID().toString().substring(0, 8) + ":";
    Path config = dir.resolve("config.json");
    Files.writeString(config, new JsonObject()
        .put("redis", new JsonObject().put("connectionString", redis.url()))
        .put("persistence", new JsonObject().put("keyPrefix", prefix))
        .put("http", new JsonObject().put("port", port).put("adminToken", TOKEN))
        .encodePrettily());
    StandaloneApp first = launch(config, "first");
    long firstReadyMs = first.awaitHealthy();

    // When 30 transitions over 10 breakers are acknowledged, and the app is SIGKILLed 100 ms after the last
    List<Ack> acks = new ArrayList<>();
    long slowestAckNanos = 0;
    for (int i = 0; i < TRANSITIONS; i++) {
      int breaker = i % BREAKERS;
      int round = i / BREAKERS;
      String action = round == 0 ? (breaker % 2 == 0 ? "force-open" : "disable")
          : List.of("reset", "force-open", "disable").get((breaker + round) % 3);
      String body = "force-open".equals(action) && breaker % 3 == 0 ? "{\"duration_ms\": 600000}" : "";
      long sent = System.nanoTime();
      HttpResponse<String> response = first.post("/breakers/svc-" + breaker + "/" + action, TOKEN, body);
      long acked = System.nanoTime();
      assertThat(response.statusCode()).as("POST %s on svc-%d: %s", action, breaker, response.body()).isEqualTo(200);
      acks.add(new Ack("svc-" + breaker, withoutLiveFields(new JsonObject(response.body())), acked));
      slowestAckNanos = Math.max(slowestAckNanos, acked - sent);
    }
    FaultDeployment.sleep(DURABLE_AFTER_MS);
    long killed = System.nanoTime();
    first.sigkill(); // no shutdown hook, no flush

    // Then the app started again restores exactly the last acknowledged snapshot of every breaker
    StandaloneApp second = launch(config, "second");
    long secondReadyMs = second.awaitHealthy();
    // (a breaker acknowledged again within the last 100 ms may show that newer snapshot instead)
    Map<String, Ack> durable = new LinkedHashMap<>();
    Map<String, List<JsonObject>> acceptable = new LinkedHashMap<>();
    for (Ack ack : acks) {
      if (killed - ack.ackNanos() >= TimeUnit.MILLISECONDS.toNanos(DURABLE_AFTER_MS)) {
        durable.put(ack.name(), ack);
        acceptable.put(ack.name(), new ArrayList<>(List.of(ack.snapshot())));
      } else {
        acceptable.computeIfAbsent(ack.name(), n -> new ArrayList<>()).add(ack.snapshot());
      }
    }
    Map<String, String> mismatches = new LinkedHashMap<>();
    for (Ack ack : durable.values()) {
      HttpResponse<String> response = second.get("/breakers/" + ack.name());
      JsonObject restored = response.statusCode() == 200 ? withoutLiveFields(new JsonObject(response.body())) : null;
      if (!acceptable.get(ack.name()).contains(restored)) {
        mismatches.put(ack.name(), "acknowledged " + ack.snapshot().encode() + " / restored " + response.statusCode()
            + " " + response.body());
      }
    }
    System.out.printf("[faults] standalone SIGKILL (%s): %d transitions over %d breakers, slowest admin reply %.1f ms; "
            + "killed %d ms after the last acknowledgement; %d of %d breakers restored exactly; app ready in %d ms, "
            + "again in %d ms after the kill (event-loop lag is not measurable in the child process)%n",
        StandaloneApp.launcherDescription(), TRANSITIONS, BREAKERS, slowestAckNanos / 1e6,
        TimeUnit.NANOSECONDS.toMillis(killed - acks.get(acks.size() - 1).ackNanos()),
        durable.size() - mismatches.size(), durable.size(), firstReadyMs, secondReadyMs);
    assertThat(durable).hasSize(BREAKERS);
    assertThat(mismatches).as("breakers not restored exactly; app output:%n%s", second.output()).isEmpty();
  }

  private StandaloneApp launch(Path config, String name) throws IOException {
    StandaloneApp app = StandaloneApp.launch(dir, config, port, name);
    children.add(app);
    return app;
  }

  /** The snapshot without its live fields, which change with time. */
  private static JsonObject withoutLiveFields(JsonObject snapshot) {
    snapshot.remove("retry_after_ms");
    snapshot.remove("failure_rate");
    snapshot.remove("slow_call_rate");
    snapshot.remove("shared");
    return snapshot;
  }
}
