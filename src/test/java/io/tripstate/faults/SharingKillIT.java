package io.tripstate.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.tripstate.support.RedisServerProcess;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sharing across three separate JVMs (the standalone app, io.tripstate.app.Main, from the packaged jar) on one
 * Redis: the instance holding a shared breaker's trial lease is SIGKILLed, so its lease is never given back.
 * The survivors must keep rejecting while it lives, then one of them probes once it expires
 * ({@code permitTimeoutMs}), and that trial's success closes the breaker on both. Run by failsafe after
 * {@code package}, like {@link StandaloneKillIT}.
 */
class SharingKillIT {
  private static final String API_TOKEN = "sharing-kill-" + UUID.randomUUID();
  private static final long RESET_TIMEOUT_MS = 500;
  private static final long PERMIT_TIMEOUT_MS = 2_000;
  private static final long HEARTBEAT_MS = 200;
  private static final int FAILURE_THRESHOLD = 3;
  private static final int ACQUIRES_PER_INSTANCE = 10;

  private final RedisServerProcess redis = RedisServerProcess.start();
  private final Map<String, StandaloneApp> apps = new LinkedHashMap<>();
  @TempDir
  Path dir;

  @AfterEach
  void killAppsAndStopRedis() throws InterruptedException {
    try {
      for (StandaloneApp app : apps.values()) {
        app.kill();
        // The apps' logs go with the temporary folder: kept in the test's report, for a failure's timeline.
        System.out.printf("---- output of app %s:%n%s%n", app.name, app.output());
      }
    } finally {
      redis.close();
    }
  }

  @Test
  void aSigkilledTrialHoldersLeaseExpiresAndASurvivorsTrialClosesTheBreakerOnBothSurvivors() throws Exception {
    // Given three app processes a, b, c sharing breakers on one Redis and key prefix
    String prefix = "sharekill:" + UUID.randomUUID().toString().substring(0, 8) + ":";
    for (String id : List.of("a", "b", "c")) {
      int port = StandaloneApp.freePort();
      Path config = dir.resolve(id + ".json");
      Files.writeString(config, config(prefix, id, port).encodePrettily());
      apps.put(id, StandaloneApp.launch(dir, config, port, id));
    }
    for (StandaloneApp app : apps.values()) {
      app.awaitHealthy();
    }
    for (StandaloneApp app : apps.values()) {
      waiting(app.name + " lists a, b and c as live instances")
          .until(() -> instanceIds(app).equals(ids("a", "b", "c")));
    }
    // And a shared breaker opened by failures on a, known as open everywhere, whose open time is up
    String name = "payments-" + UUID.randomUUID().toString().substring(0, 6);
    StandaloneApp a = apps.get("a");
    for (int i = 0; i < FAILURE_THRESHOLD; i++) {
      JsonObject permit = body(a.post("/breakers/" + name + "/acquire", API_TOKEN, ""));
      assertThat(permit.getBoolean("permitted")).as(permit.encode()).isTrue();
      body(a.post("/breakers/" + name + "/record", API_TOKEN, new JsonObject().put("outcome", "failure")
          .put("permit", permit.getValue("permit")).encode()));
    }
    for (StandaloneApp app : apps.values()) {
      waiting(app.name + " knows " + name + " open, its open time up").until(() -> {
        JsonObject status = status(app, name);
        return status != null && "open".equals(status.getString("state")) && status.getLong("retry_after_ms") == 0;
      });
    }

    // When 10 acquires are sent at once to each instance
    long burstStarted = System.nanoTime();
    List<CompletableFuture<JsonObject>> replies = new ArrayList<>();
    for (StandaloneApp app : apps.values()) {
      for (int i = 0; i < ACQUIRES_PER_INSTANCE; i++) {
        replies.add(app.postAsync("/breakers/" + name + "/acquire", API_TOKEN, "")
            .thenApply(response -> body(response).put("instance", app.name)));
      }
    }
    List<JsonObject> permitted = new ArrayList<>();
    for (CompletableFuture<JsonObject> reply : replies) {
      JsonObject body = reply.get(10, TimeUnit.SECONDS);
      if (body.getBoolean("permitted")) {
        permitted.add(body);
      }
    }
    long burstMs = millis(burstStarted, System.nanoTime());
    // Then exactly one trial is permitted, on the instance that holds the lease
    assertThat(permitted).as("permitted acquires out of %d", replies.size()).hasSize(1);
    String leaseKey = prefix + name + ":trial";
    String lease = redis.command("GET", leaseKey);
    String holderId = permitted.get(0).getString("instance");
    assertThat(lease).as("the trial lease").startsWith(holderId + ":");
    StandaloneApp holder = apps.get(holderId);
    List<StandaloneApp> survivors = apps.values().stream().filter(app -> app != holder).toList();

    // When the holder is SIGKILLed: it never records its trial nor gives its lease back
    long leaseLeftMs = Long.parseLong(redis.command("PTTL", leaseKey));
    assertThat(leaseLeftMs).as("lease time left before the kill (the acquires took %d ms)",
        millis(burstStarted, System.nanoTime())).isPositive();
    long leaseAgeAtKillMs = PERMIT_TIMEOUT_MS - leaseLeftMs;
    long killed = System.nanoTime();
    holder.sigkill();
    // (watched meanwhile, so that its time is not that of the steps below)
    CompletableFuture<Long> forgotten = CompletableFuture.supplyAsync(() -> {
      for (StandaloneApp survivor : survivors) {
        waiting(survivor.name + " stops listing " + holderId)
            .until(() -> !instanceIds(survivor).contains(holderId));
      }
      return System.nanoTime();
    });

    // Then the survivors keep rejecting while the dead holder's lease lives, each told to retry later, and once it
    // expired one of them probes. (A reply came while the lease lived when the lease still names the dead holder
    // after it: no one else can have taken it meanwhile.)
    AtomicReference<JsonObject> trial = new AtomicReference<>();
    List<JsonObject> rejections = new ArrayList<>();
    waiting("a survivor is granted a trial after the lease expired").until(() -> {
      for (StandaloneApp survivor : survivors) {
        JsonObject reply = body(survivor.post("/breakers/" + name + "/acquire", API_TOKEN, ""));
        reply.put("instance", survivor.name).put("lease_lived", lease.equals(redis.command("GET", leaseKey)));
        if (reply.getBoolean("permitted")) {
          trial.set(reply);
          return true;
        }
        rejections.add(reply);
      }
      return false;
    });
    long granted = System.nanoTime();
    JsonObject probe = trial.get();
    StandaloneApp prober = apps.get(probe.getString("instance"));
    assertThat(rejections).allSatisfy(r -> assertThat(r.getLong("retry_after_ms")).as(r.encode())
        .isBetween(1L, PERMIT_TIMEOUT_MS));
    assertThat(rejections.stream().filter(r -> r.getBoolean("lease_lived")).map(r -> r.getString("instance")))
        .as("survivors that rejected while the dead holder's lease lived (it was %d ms old at the kill)",
            leaseAgeAtKillMs)
        .containsAll(survivors.stream().map(s -> s.name).toList());
    assertThat(probe.getBoolean("lease_lived")).as("granted while the dead holder's lease lived: %s", probe).isFalse();
    assertThat(millis(burstStarted, granted)).as("ms from the first trial to the second").isGreaterThanOrEqualTo(
        PERMIT_TIMEOUT_MS);
    assertThat(probe.getString("state")).as(probe.encode()).isEqualTo("half_open");
    assertThat(redis.command("GET", leaseKey)).as("the lease after the survivor's take")
        .startsWith(prober.name + ":");

    // When that trial succeeds, Then the breaker closes on both survivors
    JsonObject recorded = body(prober.post("/breakers/" + name + "/record", API_TOKEN, new JsonObject()
        .put("outcome", "success").put("permit", probe.getValue("permit")).encode()));
    long succeeded = System.nanoTime();
    assertThat(recorded.getString("state")).as(recorded.encode()).isEqualTo("closed");
    StandaloneApp other = survivors.stream().filter(s -> s != prober).findFirst().orElseThrow();
    waiting(other.name + " closed by " + prober.name + "'s trial")
        .until(() -> "closed".equals(status(other, name).getString("state")));
    long allClosed = System.nanoTime();
    assertThat(status(prober, name).getString("state")).as("%s after its trial", prober.name).isEqualTo("closed");
    // And the survivors no longer list the killed instance
    long forgottenAt = forgotten.get(15, TimeUnit.SECONDS);
    Set<String> left = survivors.stream().map(s -> s.name).collect(Collectors.toCollection(TreeSet::new));
    for (StandaloneApp survivor : survivors) {
      assertThat(instanceIds(survivor)).as("live instances listed by %s", survivor.name).isEqualTo(left);
    }

    System.out.printf("[sharing] SIGKILL of the trial holder (3 app processes, %s): %d acquires answered in %d ms; "
            + "holder %s, its lease %d ms old at the kill (permitTimeoutMs %d); survivors rejected %d acquires "
            + "meanwhile; SIGKILL -> %s granted a trial %d ms (%d ms after the lease's expiry); trial success -> both "
            + "survivors closed %d ms; SIGKILL -> both survivors stop listing %s %d ms (heartbeatMs %d)%n",
        StandaloneApp.launcherDescription(), replies.size(), burstMs, holderId, leaseAgeAtKillMs, PERMIT_TIMEOUT_MS,
        rejections.size(), prober.name, millis(killed, granted),
        millis(killed, granted) - (PERMIT_TIMEOUT_MS - leaseAgeAtKillMs), millis(succeeded, allClosed), holderId,
        millis(killed, forgottenAt), HEARTBEAT_MS);
  }

  private JsonObject config(String prefix, String id, int port) {
    return new JsonObject()
        .put("redis", new JsonObject().put("connectionString", redis.url()))
        .put("persistence", new JsonObject().put("keyPrefix", prefix))
        .put("http", new JsonObject().put("port", port).put("apiToken", API_TOKEN))
        .put("sharing", new JsonObject().put("enabled", true).put("instanceId", id).put("heartbeatMs", HEARTBEAT_MS)
            .put("resyncMs", 1_000))
        .put("defaults", new JsonObject().put("failureThreshold", FAILURE_THRESHOLD)
            .put("resetTimeoutMs", RESET_TIMEOUT_MS).put("permitTimeoutMs", PERMIT_TIMEOUT_MS));
  }

  /** Awaitility within 15 s, polling every 20 ms; any process that dies meanwhile (but a SIGKILLed one) fails it. */
  private ConditionFactory waiting(String what) {
    return await(what).atMost(Duration.ofSeconds(15)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(20))
        .pollInSameThread().failFast(() -> {
          for (StandaloneApp app : apps.values()) {
            assertThat(app.process.isAlive() || app.process.exitValue() == 137)
                .as("the %s app exited; its output:%n%s", app.name, app.output()).isTrue();
          }
        });
  }

  /** The breaker's status on an app, or {@code null} while it does not know the breaker (404). */
  private static JsonObject status(StandaloneApp app, String name) throws IOException, InterruptedException {
    HttpResponse<String> response = app.get("/breakers/" + name);
    return response.statusCode() == 404 ? null : body(response);
  }

  private static Set<String> instanceIds(StandaloneApp app) throws IOException, InterruptedException {
    JsonArray instances = body(app.get("/instances")).getJsonArray("instances");
    return instances.stream().map(i -> ((JsonObject) i).getString("instance"))
        .collect(Collectors.toCollection(TreeSet::new));
  }

  private static Set<String> ids(String... ids) {
    return new TreeSet<>(List.of(ids));
  }

  /** A 200's JSON body; anything else fails, naming the request and what came back. */
  private static JsonObject body(HttpResponse<String> response) {
    assertThat(response.statusCode()).as("%s %s: %s", response.request().method(), response.uri(), response.body())
        .isEqualTo(200);
    return new JsonObject(response.body());
  }

  private static long millis(long fromNanos, long toNanos) {
    return TimeUnit.NANOSECONDS.toMillis(toNanos - fromNanos);
  }
}
