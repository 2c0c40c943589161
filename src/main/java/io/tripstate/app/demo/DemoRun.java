package io.tripstate.app.demo;

import io.tripstate.app.LocalRedis;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/** The steps of {@link Demo}, what they check, and the clean-up. */
final class DemoRun {
  private static final long START_TIMEOUT_MS = 60_000;

  private final Path dir;
  private final int httpPort;
  private final Path config;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final long startedNanos = System.nanoTime();
  private LocalRedis redis;
  private AppProcess app;
  private boolean cleanedUp;

  /** A step that did not happen as narrated. */
  static final class StepFailed extends Exception {
    StepFailed(String message) {
      super(message, null, false, false);
    }
  }

  private DemoRun(Path dir, int httpPort) {
    this.dir = dir;
    this.httpPort = httpPort;
    this.config = dir.resolve("config.json");
  }

  static DemoRun prepare() throws IOException {
    return new DemoRun(Files.createTempDirectory("tripstate-demo-"), Demo.freePort());
  }

  void play() throws IOException, InterruptedException, StepFailed {
    say("tripstate demo: a circuit breaker whose state survives a crash (about 25 s)\n");
    redis = Demo.startRedis(dir);
    Files.writeString(config, Demo.config(redis.port(), httpPort).encodePrettily());
    say("1. Started a private Redis (pid %d, port %d), its data in %s.", redis.pid(), redis.port(), dir);

    app = start(false);
    say("2. Started the app (pid %d; dashboard at http://127.0.0.1:%d/). Its breaker '%s' opens after %d failed "
        + "calls in a row and then stays open %d s. The app's payment service is DOWN, and the app calls it "
        + "through the breaker every %.1f s:", app.pid(), httpPort, DemoApp.BREAKER, Demo.FAILURE_THRESHOLD,
        Demo.RESET_TIMEOUT_MS / 1000, DemoApp.CALL_EVERY_MS / 1000.0);
    TransitionWatcher firstEvents = TransitionWatcher.follow(http, httpPort);
    app.startCalling();
    if (!firstEvents.awaitTransitionTo("open", Duration.ofSeconds(15))) {
      throw new StepFailed("the breaker did not open within 15 s");
    }
    JsonObject opened = status();
    expectState(opened, "open", "after the failures");
    long leftBeforeMs = opened.getLong("retry_after_ms");
    Thread.sleep(2 * DemoApp.CALL_EVERY_MS); // a rejected call or two, for the story
    say("3. The breaker is OPEN: GET /breakers/%s says %s, %.1f s left. Calls are rejected at once, so the "
        + "failing service is left alone.", DemoApp.BREAKER, opened.getString("state"), leftBeforeMs / 1000.0);

    int exit = app.kill();
    say("4. Killed the app with SIGKILL (exit code %d): no shutdown hook ran, nothing was flushed.", exit);

    app = start(true);
    JsonObject restored = status();
    expectState(restored, "open", "after the restart");
    long leftAfterMs = restored.getLong("retry_after_ms");
    if (leftAfterMs <= 0 || leftAfterMs >= leftBeforeMs) {
      throw new StepFailed("after the restart the breaker had " + leftAfterMs + " ms left, not between 0 and the "
          + leftBeforeMs + " ms it had before the kill");
    }
    say("5. Restarted the app (pid %d); its payment service is UP now. The breaker is STILL OPEN after the "
        + "restart, with %.1f s left (it had %.1f s before the kill): its state came back from Redis. A breaker "
        + "kept in memory only would have started closed and sent every call to the service again.",
        app.pid(), leftAfterMs / 1000.0, leftBeforeMs / 1000.0);
    TransitionWatcher events = TransitionWatcher.follow(http, httpPort);
    app.startCalling();
    say("6. Waiting for the open time to end; the next call is then let through as a single trial:");
    if (!events.awaitTransitionTo("closed", Duration.ofMillis(leftAfterMs + 15_000))) {
      throw new StepFailed("the breaker did not close within 15 s after its open time ended; transitions seen: "
          + events.transitions());
    }
    expectOneTrial(events.transitions());
    expectState(status(), "closed", "after the trial");
    Thread.sleep(2 * DemoApp.CALL_EVERY_MS); // calls flowing again, for the story
    say("7. The trial succeeded and the breaker CLOSED after one trial: calls reach the service again.");
    cleanUp();
    say("\nDemo finished in %d s: the breaker opened, stayed open across a SIGKILL and a restart with less time "
        + "left, and closed after one trial.", (System.nanoTime() - startedNanos) / 1_000_000_000);
  }

  /** The end of the current app's log, to explain a failed step. */
  String appLogTail() {
    return app == null ? "" : app.logTail();
  }

  /** Starts the app and waits until it serves. */
  private AppProcess start(boolean serviceUp) throws IOException, InterruptedException, StepFailed {
    int run = app == null ? 1 : 2;
    AppProcess started = AppProcess.launch(config, serviceUp, dir.resolve("app-" + run + ".log"));
    started.awaitReady(START_TIMEOUT_MS);
    return started;
  }

  /** Only these two transitions after the restart: the trial, then the close it earned. */
  private static void expectOneTrial(List<JsonObject> transitions) throws StepFailed {
    List<String> seen = transitions.stream()
        .map(t -> t.getString("from") + "->" + t.getString("to") + " (" + t.getString("reason") + ")").toList();
    if (!seen.equals(List.of("open->half_open (reset_timeout_elapsed)", "half_open->closed (trial_succeeded)"))) {
      throw new StepFailed("expected one trial (open->half_open, then half_open->closed), saw " + seen);
    }
  }

  private static void expectState(JsonObject status, String state, String when) throws StepFailed {
    if (!state.equals(status.getString("state"))) {
      throw new StepFailed("the breaker was " + status.getString("state") + " " + when + ", not " + state + ": "
          + status.encode());
    }
  }

  private JsonObject status() throws IOException, InterruptedException, StepFailed {
    HttpResponse<String> response = http.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + httpPort + "/breakers/" + DemoApp.BREAKER))
        .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new StepFailed("GET /breakers/" + DemoApp.BREAKER + " answered " + response.statusCode() + ": "
          + response.body());
    }
    return new JsonObject(response.body());
  }

  /** Stops the app and Redis and deletes the folder; safe to call twice (the shutdown hook calls it too). */
  synchronized void cleanUp() {
    if (cleanedUp) {
      return;
    }
    cleanedUp = true;
    StringBuilder done = new StringBuilder("8. Cleaned up:");
    if (app != null && app.isAlive()) {
      try {
        app.kill();
        done.append(" stopped the app (pid ").append(app.pid()).append("),");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (redis != null) {
      redis.stop();
      done.append(" stopped Redis (pid ").append(redis.pid()).append("),");
    }
    try (Stream<Path> files = Files.walk(dir)) {
      files.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
      done.append(" deleted ").append(dir).append('.');
    } catch (IOException e) {
      done.append(" could not delete ").append(dir).append(": ").append(e.getMessage());
    }
    say(done.toString());
  }

  private static void say(String format, Object... args) {
    System.out.println(args.length == 0 ? format : String.format(format, args));
  }
}
