package io.tripstate.app.demo;

import io.tripstate.app.LocalRedis;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code ./run.sh demo}: a breaker that survives a crash, narrated step by step in about 25 seconds.
 *
 * <ol>
 *   <li>starts a private Redis (a temp folder, a free port) and the app ({@link DemoApp}) in a JVM of its own,
 *       whose payment service is down, and watches breaker {@code payments} over HTTP and {@code GET /events};
 *   <li>the app's calls fail until the breaker opens;
 *   <li>kills the app with SIGKILL and starts it again, with the service up now: the breaker is still open, with
 *       less time left, because its state came back from Redis;
 *   <li>when the open time is over, one trial call goes through, succeeds, and the breaker closes;
 *   <li>stops the app and Redis and deletes the temp folder (also on Ctrl-C).
 * </ol>
 *
 * <p>Exit codes: 0 when every step happened as narrated, 1 when one did not (the line says which), 2 when the
 * demo could not start.
 */
public final class Demo {
  /** Open time of the demo's breaker: long enough to outlast a restart, short enough for a demo. */
  static final long RESET_TIMEOUT_MS = 15_000;
  static final int FAILURE_THRESHOLD = 3;

  /** Held: JUL keeps loggers weakly, and a collected one would forget its level. */
  private static final java.util.logging.Logger REDIS_LOG = java.util.logging.Logger.getLogger(
      LocalRedis.class.getName());

  private Demo() {}

  public static void main(String[] args) {
    REDIS_LOG.setLevel(java.util.logging.Level.WARNING); // the demo says in its own words what it started
    DemoRun run;
    try {
      run = DemoRun.prepare();
    } catch (IOException | RuntimeException e) {
      System.err.println("demo: could not start: " + e.getMessage());
      System.exit(2);
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(run::cleanUp, "tripstate-demo-cleanup"));
    int status;
    try {
      run.play();
      status = 0;
    } catch (DemoRun.StepFailed | IOException | RuntimeException e) {
      System.out.println();
      System.out.println("Demo FAILED: " + (e instanceof DemoRun.StepFailed ? e.getMessage() : e.toString()));
      System.out.println("The app's log ends with:\n" + run.appLogTail());
      status = 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      status = 1;
    }
    run.cleanUp();
    System.exit(status);
  }

  /** The config of the demo's app: its Redis, its HTTP port, and a breaker that opens fast and briefly. */
  static JsonObject config(int redisPort, int httpPort) {
    return new JsonObject()
        .put("redis", new JsonObject().put("connectionString", "redis://127.0.0.1:" + redisPort))
        .put("persistence", new JsonObject().put("keyPrefix", "demo:"))
        .put("http", new JsonObject().put("host", "127.0.0.1").put("port", httpPort))
        .put("breakers", new JsonObject().put(DemoApp.BREAKER, new JsonObject()
            .put("failureThreshold", FAILURE_THRESHOLD).put("resetTimeoutMs", RESET_TIMEOUT_MS)));
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  static LocalRedis startRedis(Path dir) throws IOException {
    LocalRedis redis = LocalRedis.launch(freePort(), false, Files.createDirectories(dir.resolve("redis")));
    redis.awaitReady();
    return redis;
  }
}
