package io.tripstate.app;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import redis.embedded.core.ExecutableProvider;

/**
 * A redis-server child process for the standalone app, run from the binary that the optional dependency
 * {@code com.github.codemonstur:embedded-redis} ships. It listens on 127.0.0.1 only and keeps its data in an
 * append-only file in a data folder, so breaker state survives restarts of the app.
 *
 * <p>It runs in a session of its own, so it outlives a launcher killed with SIGKILL. The data folder therefore
 * records it ({@link RedisPidFile}, {@code redis.pid}) and holds its binary ({@code bin/}, instead of a new
 * temporary folder per start): the next launcher {@linkplain #takeOver(Path) takes it over} and stops it on
 * exit, and {@link #stop()} removes the record and the binary.
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
  private static final String BIN = "bin";

  private final ProcessHandle process;
  /** The process as this JVM started it, for its exit code; {@code null} for a Redis taken over. */
  private final Process child;
  private final int port;
  private final Path dataDir;
  private final Path executable;

  private LocalRedis(ProcessHandle process, Process child, int port, Path dataDir, Path executable) {
    this.process = process;
    this.child = child;
    this.port = port;
    this.dataDir = dataDir;
    this.executable = executable;
  }

  /**
   * The redis-server that an earlier launcher started with its data in {@code dataDir} and could not stop (it
   * was killed), still running: it belongs to this JVM from now on. Empty when there is none, or when its
   * launcher still runs (then it is that launcher's, shared like any external Redis). A record of a Redis that
   * is gone is removed, with the binary it ran.
   */
  public static Optional<LocalRedis> takeOver(Path dataDir) throws IOException {
    Path dir = dataDir.toAbsolutePath().normalize();
    Optional<RedisPidFile> found;
    try {
      found = RedisPidFile.read(dir);
    } catch (IOException e) {
      LOG.log(Level.WARNING, "Ignoring {0}", e.getMessage());
      RedisPidFile.delete(dir);
      return Optional.empty();
    }
    if (found.isEmpty() || found.get().ownedByAnotherLiveJvm()) {
      return Optional.empty();
    }
    RedisPidFile record = found.get();
    Optional<ProcessHandle> redis = record.liveRedis();
    if (redis.isEmpty()) {
      deleteBinary(dir, record.executable());
      RedisPidFile.delete(dir);
      return Optional.empty();
    }
    record.ownedByThisJvm().write(dir);
    return Optional.of(new LocalRedis(redis.get(), null, record.port(), dir, record.executable()));
  }

  /**
   * Starts redis-server on {@code 127.0.0.1:port} (and {@code [::1]:port} when {@code alsoIpv6}) with its
   * data under {@code dataDir} (created if missing) and its output appended to {@code dataDir/redis.log}, and
   * records it there. Returns at once: call {@link #awaitReady()} next.
   *
   * @throws IOException also when the Redis of another running launcher keeps its data in {@code dataDir}
   */
  public static LocalRedis launch(int port, boolean alsoIpv6, Path dataDir) throws IOException {
    Path dir = dataDir.toAbsolutePath().normalize();
    Files.createDirectories(dir);
    Optional<RedisPidFile> running = RedisPidFile.read(dir).filter(RedisPidFile::ownedByAnotherLiveJvm);
    if (running.isPresent() && running.get().liveRedis().isPresent()) {
      throw new IOException("the redis-server (pid " + running.get().redisPid() + ") of another tripstate app (pid "
          + running.get().launcherPid() + ") keeps its data in " + dir + ": start this one from another folder");
    }
    Path log = dir.resolve("redis.log");
    Path bin = Files.createDirectories(dir.resolve(BIN));
    // The real path: the system names a process's binary by it, and the record must match that name.
    Path executable = ExecutableProvider.newJarResourceProvider(bin.toFile()).get().toPath().toRealPath();
    List<String> command = new ArrayList<>();
    if (Files.isExecutable(SETSID)) {
      // A session of its own: a Ctrl-C in the terminal signals the whole foreground process group, and Redis
      // must outlive the JVM's shutdown hook, which flushes the last snapshots before it stops Redis.
      command.add(SETSID.toString());
    }
    command.addAll(List.of(executable.toString(), "--port", Integer.toString(port), "--bind", "127.0.0.1"));
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
    LocalRedis redis = new LocalRedis(process.toHandle(), process, port, dir, executable);
    try {
      RedisPidFile.of(process.toHandle(), port, executable).write(dir);
    } catch (IOException e) {
      redis.stop();
      throw e;
    }
    return redis;
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
        stop(); // removes its record and binary
        throw new IOException("redis-server exited" + (child == null ? "" : " with code " + child.exitValue()) + "; "
            + logTail());
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

  /**
   * Stops the server with SIGTERM, so that it syncs its append-only file (kills it after 5 s); then removes its
   * record and its binary from the data folder.
   */
  public void stop() {
    try {
      if (process.isAlive()) {
        process.destroy();
        if (!awaitExit()) {
          LOG.log(Level.WARNING, "redis-server (pid {0,number,#}) did not stop within {1,number,#} ms; killing it",
              process.pid(), STOP_TIMEOUT_MS);
          process.destroyForcibly();
          awaitExit();
        }
      }
      if (!process.isAlive()) {
        RedisPidFile.delete(dataDir);
        deleteBinary(dataDir, executable);
      }
    } catch (IOException e) {
      LOG.log(Level.WARNING, "Could not clean up after redis-server (pid {0,number,#}) in {1}: {2}", process.pid(),
          dataDir, e.toString());
    }
  }

  private boolean awaitExit() {
    try {
      process.onExit().get(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException e) {
      return !process.isAlive();
    }
  }

  /** Deletes the binary a launcher extracted into {@code dataDir/bin} (never a file elsewhere), and the empty folder. */
  private static void deleteBinary(Path dataDir, Path executable) throws IOException {
    Path bin = dataDir.resolve(BIN);
    if (!Files.isDirectory(bin)) {
      return;
    }
    if (executable != null && bin.toRealPath().equals(executable.getParent())) {
      Files.deleteIfExists(executable);
    }
    try {
      Files.deleteIfExists(bin);
    } catch (DirectoryNotEmptyException e) {
      // something else of the user's lies there: leave it
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
    Path logFile = dataDir.resolve("redis.log");
    try {
      List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
      List<String> tail = lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size());
      return "last lines of " + logFile + ": " + String.join(" | ", tail);
    } catch (IOException e) {
      return "no log at " + logFile;
    }
  }
}
