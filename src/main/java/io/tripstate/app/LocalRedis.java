package io.tripstate.app;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import redis.embedded.core.ExecutableProvider;

/**
 * A redis-server child process for the standalone app, run from the binary that the optional dependency
 * {@code com.github.codemonstur:embedded-redis} ships. It listens on 127.0.0.1 only and keeps its data in an
 * append-only file in a data folder, so breaker state survives restarts of the app.
 *
 * <p>The only class that references embedded-redis: applications that use tripstate as a library do not
 * inherit that optional dependency, so nothing outside {@code app/} may load it.
 */
public final class LocalRedis {
  private static final Logger LOG = System.getLogger(LocalRedis.class.getName());
  private static final byte[] PING = "*1\r\n$4\r\nPING\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final Path SETSID = Path.of("/usr/bin/setsid");
  private static final long START_TIMEOUT_MS = 10_000;
  private static final long STOP_TIMEOUT_MS = 5_000;
  private static final int LOG_TAIL_LINES = 5;

  private final Process process;
  private final int port;
  private final Path dataDir;
  private final Path logFile;

  private LocalRedis(Process process, int port, Path dataDir, Path logFile) {
    this.process = process;
    this.port = port;
    this.dataDir = dataDir;
    this.logFile = logFile;
  }

  /**
   * Starts redis-server on {@code 127.0.0.1:port} (and {@code [::1]:port} when {@code alsoIpv6}) with its
   * data under {@code dataDir} (created if missing) and its output appended to {@code dataDir/redis.log}.
   * Returns at once: call {@link #awaitReady()} next.
   */
  public static LocalRedis launch(int port, boolean alsoIpv6, Path dataDir) throws IOException {
    Path dir = dataDir.toAbsolutePath().normalize();
    Files.createDirectories(dir);
    Path log = dir.resolve("redis.log");
    File executable = ExecutableProvider.newJarResourceProvider().get();
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(SETSID)) {
      // A session of its own: a Ctrl-C in the terminal signals the whole foreground process group, and Redis
      // must outlive the JVM's shutdown hook, which flushes the last snapshots before it stops Redis.
      command.add(SETSID.toString());
    }
    command.addAll(List.of(executable.getAbsolutePath(), "--port", Integer.toString(port), "--bind", "127.0.0.1"));
    if (alsoIpv6) {
      command.add("::1");
    }
    command.addAll(List.of("--dir", dir.toString(), "--appendonly", "yes", "--appendfsync", "everysec",
        "--save", "", "--daemonize", "no"));
    Process process = new ProcessBuilder(command)
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .start();
    LOG.log(Level.INFO, "Started redis-server (pid {0,number,#}) on port {1,number,#}, data in {2}", process.pid(),
        port, dir);
    return new LocalRedis(process, port, dir, log);
  }

  /**
   * Waits up to 10 s until the server answers PING (it may first load a large append-only file).
   *
   * @throws IOException when it exited or did not answer in time (it is then stopped), with the log's tail
   */
  public void awaitReady() throws IOException {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(START_TIMEOUT_MS);
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IOException("redis-server exited with code " + process.exitValue() + "; " + logTail());
      }
      if (answersPing()) {
        return;
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        stop();
        throw new IOException("interrupted while waiting for redis-server", e);
      }
    }
    stop();
    throw new IOException("redis-server did not answer PING on port " + port + " within "
        + START_TIMEOUT_MS / 1000 + " s; " + logTail());
  }

  /** Stops the server with SIGTERM, so that it syncs its append-only file; kills it after 5 s. */
  public void stop() {
    if (!process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
        LOG.log(Level.WARNING, "redis-server (pid {0,number,#}) did not stop within {1,number,#} ms; killing it",
            process.pid(), STOP_TIMEOUT_MS);
        process.destroyForcibly().waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  public long pid() {
    return process.pid();
  }

  public int port() {
    return port;
  }

  /** The absolute data folder (append-only file and {@code redis.log}). */
  public Path dataDir() {
    return dataDir;
  }

  private boolean answersPing() {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
      socket.setSoTimeout(500);
      OutputStream out = socket.getOutputStream();
      out.write(PING);
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] reply = new byte[5];
      int read = 0;
      while (read < reply.length) {
        int n = in.read(reply, read, reply.length - read);
        if (n < 0) {
          return false;
        }
        read += n;
      }
      return "+PONG".equals(new String(reply, StandardCharsets.US_ASCII));
    } catch (IOException e) {
      return false;
    }
  }

  private String logTail() {
    try {
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      List<String> tail = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
      return "last lines of " + logFile + ": " + String.join(" | ", tail);
    } catch (IOException e) {
      return "no log at " + logFile;
    }
  }
}
