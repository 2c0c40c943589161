package io.tripstate.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.tripstate.support.RedisServerProcess;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cluster.scope: "cluster"} across separate JVMs: three launcher processes (io.tripstate.app.Main) join one
 * Hazelcast cluster on loopback ({@code CLUSTER_MEMBERS}, heartbeat timeout 5 s) with {@code cluster.standby}, over
 * one Redis. The first owns the breakers, the others stand by. The owner is SIGKILLed, then the next owner is
 * stopped with SIGTERM; each time a survivor must take over with the breaker still forced open and only the time
 * it had left. One cluster for the class; the tests run in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ClusterTakeoverIT {
  private static final int HEARTBEAT_SECONDS = 5;
  private static final long OPEN_FOR_MS = 600_000;
  private static final String TOKEN = "takeover-" + UUID.randomUUID();
  private static final String BREAKER = "payments";

  @TempDir
  static Path dir;
  private static RedisServerProcess redis;
  private static final List<StandaloneApp> apps = new ArrayList<>();
  private static final List<StandaloneApp> alive = new ArrayList<>();
  private static StandaloneApp owner;

  @BeforeAll
  static void startThreeLaunchersInOneCluster() throws IOException {
    redis = RedisServerProcess.start();
    List<Integer> clusterPorts = List.of(StandaloneApp.freePort(), StandaloneApp.freePort(), StandaloneApp.freePort());
    String members = clusterPorts.stream().map(port -> "127.0.0.1:" + port).collect(Collectors.joining(","));
    String prefix = "takeover:" + UUID.randomUUID().toString().substring(0, 8) + ":";
    for (int i = 0; i < clusterPorts.size(); i++) {
      int httpPort = StandaloneApp.freePort();
      Path config = dir.resolve("config-" + i + ".json");
      Files.writeString(config, new JsonObject()
          .put("redis", new JsonObject().put("connectionString", redis.url()))
          .put("persistence", new JsonObject().put("keyPrefix", prefix))
          .put("http", new JsonObject().put("port", httpPort).put("adminToken", TOKEN))
          .put("cluster", new JsonObject().put("scope", "cluster").put("standby", true))
          .encodePrettily());
      Map<String, String> env = Map.of("CLUSTER_MEMBERS", members, "CLUSTER_PORT", clusterPorts.get(i).toString(),
          "CLUSTER_HEARTBEAT_SECONDS", Integer.toString(HEARTBEAT_SECONDS));
      apps.add(StandaloneApp.launch(dir, config, httpPort, "node" + i, env, "-Xmx384m", "-XX:TieredStopAtLevel=1"));
      if (i == 0) {
        apps.get(0).awaitHealthy(); // the first one joins alone and owns the breakers
      }
    }
    for (StandaloneApp standby : apps.subList(1, apps.size())) {
      awaitOutput(standby, "tripstate is standing by");
    }
    alive.addAll(apps);
    owner = apps.get(0);
  }

  @AfterAll
  static void stopEverything() throws InterruptedException {
    try {
      for (StandaloneApp app : apps) {
        app.kill();
      }
    } finally {
      if (redis != null) {
        redis.close();
      }
    }
  }

  @Test
  @Order(1)
  void aStandbyServesTheForcedOpenBreakerAfterTheOwnersProcessIsKilled() throws Exception {
    // Given a breaker forced open for 10 minutes on the owner, and standbys that serve nothing
    HttpResponse<String> forced = owner.post("/breakers/" + BREAKER + "/force-open", TOKEN,
        new JsonObject().put("duration_ms", OPEN_FOR_MS).encode());
    assertThat(forced.statusCode()).as(forced.body()).isEqualTo(200);
    for (StandaloneApp standby : alive.subList(1, alive.size())) {
      assertThatThrownBy(() -> standby.get("/health")).as("%s serves no HTTP while standing by", standby.name)
          .isInstanceOf(IOException.class);
    }

    // When the owner's process is killed with SIGKILL
    Takeover takeover = takeOver(() -> owner.process.destroyForcibly(), "SIGKILL");

    // Then a standby serves the breaker, still forced open, with only the time it had left
    System.out.printf("[topology] cluster scope, separate JVMs (3 launchers, Hazelcast heartbeat timeout %d s): "
        + "%s of the owner's process -> %s served the forced-open breaker after %d ms, %d ms of its open time left"
        + " (%d before)%n", HEARTBEAT_SECONDS, takeover.how(), takeover.by().name, takeover.ms(),
        takeover.retryAfterMs(), takeover.retryBeforeMs());
    assertThat(takeover.ms()).as("takeover after a SIGKILL").isLessThan(30_000);
  }

  @Test
  @Order(2)
  void theLastStandbyServesTheForcedOpenBreakerAfterTheOwnerStopsGracefully() throws Exception {
    // Given the owner that took over, and one standby left
    assertThat(alive).hasSize(2);

    // When the owner is stopped with SIGTERM (it flushes, releases the lock and leaves the cluster)
    StandaloneApp leaving = owner;
    Takeover takeover = takeOver(() -> leaving.process.destroy(), "SIGTERM");

    // Then the last standby serves the breaker with only the time it had left, and the old owner exited cleanly
    System.out.printf("[topology] cluster scope, separate JVMs: %s of the owner's process -> %s served the"
        + " forced-open breaker after %d ms, %d ms of its open time left (%d before)%n", takeover.how(),
        takeover.by().name, takeover.ms(), takeover.retryAfterMs(), takeover.retryBeforeMs());
    assertThat(leaving.process.waitFor(30, TimeUnit.SECONDS)).as("the owner stopped on SIGTERM").isTrue();
    assertThat(leaving.output()).contains("tripstate stopped");
    assertThat(takeover.ms()).as("takeover after a graceful stop").isLessThan(10_000);
  }

  /** Who took over, how long after the owner was stopped, and the open time left before and after. */
  private record Takeover(String how, StandaloneApp by, long ms, long retryBeforeMs, long retryAfterMs) {}

  /**
   * Stops the owner with {@code stop}, waits until another app serves the breaker, checks that it is still forced
   * open with no more than the time it had left (less what passed), and makes that app the owner.
   */
  private static Takeover takeOver(Runnable stop, String how) throws Exception {
    JsonObject before = status(owner);
    long readAt = System.nanoTime();
    long retryBefore = before.getLong("retry_after_ms");
    StandaloneApp stopped = owner;
    alive.remove(stopped);
    long stoppedAt = System.nanoTime();
    stop.run();
    AtomicReference<StandaloneApp> next = new AtomicReference<>();
    await("a survivor serving " + BREAKER).atMost(Duration.ofSeconds(60)).pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(25)).pollInSameThread().until(() -> {
          for (StandaloneApp app : alive) {
            if (serves(app)) {
              next.set(app);
              return true;
            }
          }
          return false;
        });
    long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - stoppedAt);
    owner = next.get();
    JsonObject after = status(owner);
    long passedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - readAt);
    assertThat(after.getString("state")).as("state on %s: %s", owner.name, after).isEqualTo("forced_open");
    assertThat(after.getLong("version")).isEqualTo(before.getLong("version"));
    assertThat(after.getLong("retry_after_ms")).as("the open time left on %s", owner.name)
        .isLessThanOrEqualTo(retryBefore - passedMs + 1_000).isGreaterThan(retryBefore - passedMs - 5_000);
    for (StandaloneApp app : alive) {
      assertThat(app == owner || !serves(app)).as("%s serves too", app.name).isTrue();
    }
    return new Takeover(how, owner, tookMs, retryBefore, after.getLong("retry_after_ms"));
  }

  private static boolean serves(StandaloneApp app) {
    try {
      return app.get("/breakers/" + BREAKER).statusCode() == 200;
    } catch (IOException e) {
      return false; // a standby listens on no port
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private static JsonObject status(StandaloneApp app) throws Exception {
    HttpResponse<String> response = app.get("/breakers/" + BREAKER);
    assertThat(response.statusCode()).as("status on %s: %s", app.name, response.body()).isEqualTo(200);
    return new JsonObject(response.body());
  }

  private static void awaitOutput(StandaloneApp app, String text) {
    await(app.name + " prints '" + text + "'").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
        .failFast(() -> assertThat(app.process.isAlive()).as("the %s app exited; its output:%n%s", app.name,
            app.output()).isTrue())
        .until(() -> app.output().contains(text));
  }
}
