package io.tripstate.app.demo;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One run of {@link DemoApp} in a JVM of its own, from this JVM's class path. Its stdout (what the calls did)
 * is relayed line by line under {@code app |}; its log (stderr) goes to a file in the demo's folder.
 */
final class AppProcess {
  private static final String PREFIX = "      app | ";

  private final Process process;
  private final Path log;
  private final CompletableFuture<Void> ready = new CompletableFuture<>();

  private AppProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
    Thread relay = new Thread(this::relay, "demo-app-output-" + process.pid());
    relay.setDaemon(true);
    relay.start();
  }

  /** Starts the app with {@code config}, its payment service {@code up} or down. */
  static AppProcess launch(Path config, boolean serviceUp, Path log) throws IOException {
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path")));
    Path logging = Path.of("conf", "logging.properties");
    if (Files.exists(logging)) {
      command.add("-Djava.util.logging.config.file=" + logging.toAbsolutePath());
    }
    command.addAll(List.of(DemoApp.class.getName(), config.toString(), serviceUp ? "up" : "down"));
    Process process = new ProcessBuilder(command).redirectError(log.toFile()).start();
    return new AppProcess(process, log);
  }

  long pid() {
    return process.pid();
  }

  /** Waits until the app has deployed (at most {@code timeoutMs}); fails with the log's tail otherwise. */
  void awaitReady(long timeoutMs) throws InterruptedException, DemoRun.StepFailed {
    try {
      ready.get(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      throw new DemoRun.StepFailed("the app (pid " + pid() + ") did not start within " + timeoutMs / 1000
          + " s" + (process.isAlive() ? "" : ", it exited with code " + process.exitValue()) + "; its log ends with:\n"
          + logTail());
    }
  }

  /** Tells the app to start calling its service through the breaker. */
  void startCalling() throws IOException {
    OutputStream in = process.getOutputStream();
    in.write("go\n".getBytes(StandardCharsets.UTF_8));
    in.flush();
  }

  /** SIGKILL; returns the exit code. */
  int kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(10, TimeUnit.SECONDS);
    return process.isAlive() ? -1 : process.exitValue();
  }

  boolean isAlive() {
    return process.isAlive();
  }

  private void relay() {
    try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
        StandardCharsets.UTF_8))) {
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (line.equals("ready")) {
          ready.complete(null);
        } else {
          System.out.println(PREFIX + line);
        }
      }
    } catch (IOException e) {
      // the process went away (it is killed on purpose)
    }
    ready.completeExceptionally(new IOException("the app exited"));
  }

  String logTail() {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
