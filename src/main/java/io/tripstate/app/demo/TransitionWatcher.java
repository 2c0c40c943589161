package io.tripstate.app.demo;

import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Follows the app's {@code GET /events} stream, as the dashboard does, printing each transition under
 * {@code event |} and keeping them for the demo's checks. Reading runs on the HTTP client's own thread; the
 * stream ends when the app dies.
 */
final class TransitionWatcher {
  private static final String PREFIX = "    event | ";

  private final List<JsonObject> transitions = new CopyOnWriteArrayList<>();

  /** Connects; returns once the stream's headers arrived, so that no later transition is missed. */
  static TransitionWatcher follow(HttpClient http, int port) throws InterruptedException, DemoRun.StepFailed {
    TransitionWatcher watcher = new TransitionWatcher();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/events"))
        .header("Accept", "text/event-stream").build();
    HttpResponse<Stream<String>> response;
    try {
      // The headers come at once, before any event: waiting for them is waiting for the connection.
      response = http.sendAsync(request, HttpResponse.BodyHandlers.ofLines()).get(10, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      throw new DemoRun.StepFailed("could not follow GET /events: " + e);
    }
    if (response.statusCode() != 200) {
      throw new DemoRun.StepFailed("GET /events answered " + response.statusCode());
    }
    Thread reader = new Thread(() -> watcher.read(response.body()), "demo-events-" + port);
    reader.setDaemon(true);
    reader.start();
    return watcher;
  }

  private void read(Stream<String> lines) {
    try (lines) {
      String type = "message";
      for (String line : (Iterable<String>) lines::iterator) {
        if (line.startsWith("event:")) {
          type = line.substring(6).strip();
        } else if (line.startsWith("data:") && type.equals("message")) {
          JsonObject transition = new JsonObject(line.substring(5).strip());
          transitions.add(transition);
          System.out.println(PREFIX + transition.getString("name") + ": " + transition.getString("from") + " -> "
              + transition.getString("to") + " (" + transition.getString("reason") + ")");
        } else if (line.isEmpty()) {
          type = "message";
        }
      }
    } catch (RuntimeException e) {
      // the connection ended with the app (it is killed on purpose)
    }
  }

  /** The transitions seen so far, oldest first. */
  List<JsonObject> transitions() {
    return List.copyOf(transitions);
  }

  /** Waits until a transition to {@code state} was seen (at most {@code timeout}). */
  boolean awaitTransitionTo(String state, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (transitions.stream().anyMatch(t -> state.equals(t.getString("to")))) {
        return true;
      }
      Thread.sleep(50);
    }
    return false;
  }
}
