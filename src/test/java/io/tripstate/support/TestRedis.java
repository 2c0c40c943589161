package io.tripstate.support;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The Redis shared by integration tests that do not need to control the server.
 *
 * <p>In order of preference: the {@code REDIS_URL} environment variable; one {@code redis:7-alpine} container
 * when Testcontainers finds a Docker engine; one {@link RedisServerProcess} for the whole JVM. Whatever it
 * starts is started once, lazily, and stopped by a shutdown hook. It never skips a test and never falls back
 * to 127.0.0.1:6379, where a system Redis may hold unrelated data.
 */
public final class TestRedis {

  private static String url;
  private static String description;

  private TestRedis() {
  }

  /** The Redis URL for tests, starting a server on first use if needed. */
  public static synchronized String url() {
    if (url == null) {
      choose();
    }
    return url;
  }

  /** Which Redis {@link #url()} uses and why, for a log line. */
  public static synchronized String describe() {
    url();
    return description;
  }

  private static void choose() {
    String fromEnv = System.getenv("REDIS_URL");
    if (fromEnv != null && !fromEnv.isBlank()) {
      url = fromEnv.trim();
      description = "REDIS_URL from the environment: " + url;
      return;
    }
    String why = "no Docker engine";
    if (dockerAvailable()) {
      try {
        url = startContainer();
        description = "Testcontainers redis:7-alpine at " + url;
        return;
      } catch (RuntimeException e) {
        // A broken Docker setup should cost speed, not the test run.
        why = "Docker container failed to start: " + e;
      }
    }
    RedisServerProcess server = RedisServerProcess.start();
    Runtime.getRuntime().addShutdownHook(new Thread(server::close, "test-redis-stop"));
    url = server.url();
    description = "private redis-server process " + RedisServerProcess.binaryDescription() + " at " + url
        + " (" + why + ")";
  }

  private static boolean dockerAvailable() {
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (Throwable e) {
      return false;
    }
  }

  private static String startContainer() {
    GenericContainer<?> container = new GenericContainer<>(DockerImageName.parse("redis:7-alpine"))
        .withExposedPorts(6379);
    try {
      container.start();
    } catch (RuntimeException e) {
      container.close();
      throw e;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "test-redis-container-stop"));
    return "redis://" + container.getHost() + ":" + container.getMappedPort(6379);
  }
}
