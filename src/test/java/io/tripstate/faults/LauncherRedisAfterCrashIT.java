package io.tripstate.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The standalone app (packaged jar, child JVM) starts a Redis of its own when none answers on its loopback URL.
 * Killed with SIGKILL, it cannot stop that Redis; started again, it must know that Redis for its own (not take
 * it for an external one), stop it on exit, and leave no temporary files behind.
 */
class LauncherRedisAfterCrashIT {
  @TempDir
  Path dir;
  private final List<StandaloneApp> apps = new ArrayList<>();
  private final List<ProcessHandle> redisServers = new ArrayList<>();

  @AfterEach
  void killEverythingStarted() throws InterruptedException {
    for (StandaloneApp app : apps) {
      app.kill();
    }
    redisServers.forEach(ProcessHandle::destroyForcibly);
  }

  @Test
  void aRedisLeftRunningByAKilledAppIsTakenBackStoppedOnExitAndLeavesNoTemporaryFiles() throws Exception {
    // Given the app started against a loopback URL where no Redis answers, so that it starts one itself
    int redisPort = StandaloneApp.freePort();
    int httpPort = StandaloneApp.freePort();
    Path tmp = Files.createDirectories(dir.resolve("tmp"));
    Path config = dir.resolve("config.json");
    Files.writeString(config, new JsonObject()
        .put("redis", new JsonObject().put("connectionString", "redis://127.0.0.1:" + redisPort))
        .put("http", new JsonObject().put("port", httpPort))
        .encodePrettily());
    StandaloneApp first = launch(config, httpPort, "first", tmp);
    first.awaitHealthy();
    ProcessHandle redis = redisServerOf(first).orElseThrow(() -> new AssertionError(
        "the first app started no redis-server; its output:\n" + first.output()));
    redisServers.add(redis);

    // When the app is killed with SIGKILL (its Redis, in a session of its own, lives on) and started again
    first.process.destroyForcibly();
    assertThat(first.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
    assertThat(redis.isAlive()).as("the Redis of the killed app still runs").isTrue();
    StandaloneApp second = launch(config, httpPort, "second", tmp);
    second.awaitHealthy();

    // Then the second app stops that Redis when it is stopped with SIGTERM, as it does a Redis it started itself
    second.process.destroy();
    assertThat(second.process.waitFor(30, TimeUnit.SECONDS)).as("the second app stopped on SIGTERM").isTrue();
    await("the Redis left by the killed app stopped").atMost(Duration.ofSeconds(5)).until(() -> !redis.isAlive());
    // And neither the JVMs' temporary folder nor ./data keep anything of the launcher's
    assertThat(list(tmp)).as("left in java.io.tmpdir; second app's output:%n%s", second.output()).isEmpty();
    assertThat(list(dir.resolve("data"))).as("left in ./data").allMatch(name -> name.startsWith("appendonly")
        || name.equals("redis.log"));
  }

  private StandaloneApp launch(Path config, int httpPort, String name, Path tmp) throws IOException {
    StandaloneApp app = StandaloneApp.launch(dir, config, httpPort, name, "-Djava.io.tmpdir=" + tmp);
    apps.add(app);
    return app;
  }

  /** The redis-server among the app's descendants (found while the app runs: after a kill it is nobody's child). */
  private static Optional<ProcessHandle> redisServerOf(StandaloneApp app) {
    return app.process.descendants()
        .filter(p -> p.info().command().map(command -> command.contains("redis-server")).orElse(false))
        .findFirst();
  }

  private static List<String> list(Path folder) throws IOException {
    try (Stream<Path> entries = Files.list(folder)) {
      return entries.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
