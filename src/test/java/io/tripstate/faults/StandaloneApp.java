package io.tripstate.faults;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The standalone app (io.tripstate.app.Main) as a child JVM, started from the packaged jar and
 * {@code target/classpath.txt} when failsafe passes them (else from this JVM's class path, which
 * {@link #launcherDescription()} says), in a working folder of the test's own, with none of the environment
 * overrides of this JVM. Its output goes to {@code NAME.log} in that folder.
 */
final class StandaloneApp {
  private static final List<String> ENV_OVERRIDES = List.of("REDIS_URL", "REDIS_HOST", "REDIS_PORT", "REDIS_DB",
      "REDIS_PASSWORD", "ENABLE_CIRCUIT_BREAKER_PERSISTENCE", "HTTP_PORT", "TRIPSTATE_ADMIN_TOKEN", "TRIPSTATE_API_TOKEN",
      "TRIPSTATE_SHARING", "TRIPSTATE_INSTANCE_ID", "CLUSTER_MEMBERS", "CLUSTER_PORT", "CLUSTER_HOST",
      "CLUSTER_HEARTBEAT_SECONDS");
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  final String name;
  final Process process;
  private final Path dir;
  private final int httpPort;

  private StandaloneApp(String name, Process process, Path dir, int httpPort) {
    this.name = name;
    this.process = process;
    this.dir = dir;
    this.httpPort = httpPort;
  }

  /**
   * Starts the app in {@code dir} with {@code config}, whose {@code http.port} is {@code httpPort}.
   *
   * @param jvmOptions extra options for the child JVM, e.g. {@code -Djava.io.tmpdir=...}
   */
  static StandaloneApp launch(Path dir, Path config, int httpPort, String name, String... jvmOptions)
      throws IOException {
    return launch(dir, config, httpPort, name, Map.of(), jvmOptions);
  }

  /** As {@link #launch(Path, Path, int, String, String...)}, with {@code env} added to its environment. */
  static StandaloneApp launch(Path dir, Path config, int httpPort, String name, Map<String, String> env,
      String... jvmOptions) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Djava.util.logging.config.file=" + basedir().resolve("conf/logging.properties")));
    command.addAll(List.of(jvmOptions));
    command.addAll(List.of("-cp", classPath(), "io.tripstate.app.Main", config.toString()));
    ProcessBuilder builder = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve(name + ".log").toFile());
    ENV_OVERRIDES.forEach(builder.environment()::remove);
    builder.environment().putAll(env);
    return new StandaloneApp(name, builder.start(), dir, httpPort);
  }

  /** Waits up to 30 s until the app answers {@code GET /health}; returns how long it took. */
  long awaitHealthy() {
    long started = System.nanoTime();
    await(name + " app answers GET /health").atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(50)).pollInSameThread()
        .failFast(() -> {
          assertThat(process.isAlive()).as("the %s app exited (%s); its output:%n%s", name,
              process.isAlive() ? "" : process.exitValue(), output()).isTrue();
        })
        .ignoreExceptionsInstanceOf(IOException.class)
        .until(() -> get("/health").statusCode() == 200);
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return HTTP.send(HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> post(String path, String token, String body) throws IOException, InterruptedException {
    return HTTP.send(postRequest(path, token, body), HttpResponse.BodyHandlers.ofString());
  }

  /** The same POST, sent without waiting: many of them go out at once (concurrent callers). */
  CompletableFuture<HttpResponse<String>> postAsync(String path, String token, String body) {
    return HTTP.sendAsync(postRequest(path, token, body), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest postRequest(String path, String token, String body) {
    return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(5))
        .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + httpPort + path);
  }

  /** Everything the app printed so far. */
  String output() {
    try {
      Path log = dir.resolve(name + ".log");
      return Files.exists(log) ? Files.readString(log, UTF_8) : "(none)";
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  /**
   * SIGKILLs the app's JVM alone (no shutdown hook runs, nothing is flushed or given back) and waits for it;
   * asserts the exit status of a SIGKILLed JVM (137).
   */
  void sigkill() throws InterruptedException {
    process.destroyForcibly();
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("%s app (pid %d) exited", name, process.pid()).isTrue();
    assertThat(process.exitValue()).as("exit status of the SIGKILLed %s app", name).isEqualTo(137);
  }

  /** Kills the app and every process it started that is still its descendant; waits up to 10 s for it. */
  void kill() throws InterruptedException {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    assertThat(process.waitFor(10, TimeUnit.SECONDS)).as("%s app (pid %d) exited", name, process.pid()).isTrue();
  }

  /** The packaged jar and its runtime class path when failsafe passed them, else this JVM's class path. */
  private static String classPath() throws IOException {
    String jar = System.getProperty("tripstate.jar");
    String classpathFile = System.getProperty("tripstate.classpathFile");
    if (jar != null && classpathFile != null) {
      assertThat(Path.of(jar)).as("the packaged jar").exists();
      return jar + File.pathSeparator + Files.readString(Path.of(classpathFile)).trim();
    }
    return System.getProperty("java.class.path");
  }

  static String launcherDescription() {
    return System.getProperty("tripstate.jar") != null ? "packaged jar + target/classpath.txt"
        : "this JVM's class path (target/classes), not the packaged jar: run with mvn verify for that";
  }

  static Path basedir() {
    return Path.of(System.getProperty("basedir", ".")).toAbsolutePath();
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
