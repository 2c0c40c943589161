package io.tripstate.support;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.awaitility.Awaitility.await;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * A private redis-server process for tests that stop, kill, stall or restart their own server.
 *
 * <p>Each instance listens on 127.0.0.1 on a free port with its own temporary directory. The binary is
 * {@code redis-server} from the PATH, else the one shipped inside embedded-redis; the system property
 * {@value #BINARY_PROPERTY} set to {@code embedded} forces the latter, any other value names a binary.
 * Every method blocks: call them from test threads, never from an event loop.
 */
public final class RedisServerProcess implements AutoCloseable {

  /** System property choosing the binary: {@code embedded}, or a path to a redis-server executable. */
  public static final String BINARY_PROPERTY = "tripstate.test.redisBinary";

  private static final Duration START_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration RESTART_BIND_WINDOW = Duration.ofSeconds(5);
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration PROBE_TIMEOUT = Duration.ofMillis(500);
  private static final Pattern VERSION = Pattern.compile("v=((\\d+)\\.\\d+\\.\\d+)");
  // Servers a test forgot to close (or left paused) must not outlive the JVM.
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
  private static Binary binary;

  private final int port;
  private final Path dir;
  private final Path log;
  private final List<String> commandLine;
  private Process process;
  private boolean paused;

  private record Binary(Path path, String version, int major) { }

  private RedisServerProcess(int port, Path dir, List<String> commandLine) {
    this.port = port;
    this.dir = dir;
    this.log = dir.resolve("redis-server.log");
    this.commandLine = commandLine;
  }

  /** Starts a server that keeps nothing on disk. */
  public static RedisServerProcess start() {
    return launch(List.of("--save", "", "--appendonly", "no"));
  }

  /** Starts a server that fsyncs every write to its append-only file, so data survives stop, kill and restart. */
  public static RedisServerProcess startPersistent() {
    return launch(List.of("--save", "", "--appendonly", "yes", "--appendfsync", "always"));
  }

  /**
   * Starts a server that keeps nothing on disk, with more options, e.g. {@code "--requirepass", "pw"} or
   * {@code "--tls-port", ...}. A server that requires a password counts as started when it answers PING with
   * {@code NOAUTH}.
   */
  public static RedisServerProcess startWith(String... options) {
    List<String> args = new ArrayList<>(List.of("--save", "", "--appendonly", "no"));
    args.addAll(List.of(options));
    return launch(args);
  }

  /** A free port on the loopback interface, e.g. for a server's {@code --tls-port}. */
  public static int freePort() {
    return io(() -> {
      try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        return socket.getLocalPort();
      }
    });
  }

  /** The binary in use and its version, for log lines. */
  public static String binaryDescription() {
    return binary().path() + " (v" + binary().version() + ")";
  }

  /**
   * Starts a server on a given port with the given options (after {@code --bind}, {@code --port},
   * {@code --daemonize no} and {@code --dir}), e.g. a Redis Cluster node or a Sentinel
   * ({@code sentinel.conf --sentinel} must come first: pass it as {@code config}).
   *
   * @param config a config file to start from, or {@code null}
   */
  public static RedisServerProcess startOn(int port, Path config, String... options) {
    return launch(port, config, List.of(options));
  }

  /** A free loopback port P whose cluster-bus port P + 10000 is free too. */
  public static int freeClusterPort() {
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = 20000 + java.util.concurrent.ThreadLocalRandom.current().nextInt(35000);
      if (isFree(port) && isFree(port + 10000)) {
        return port;
      }
    }
    throw new IllegalStateException("no free port pair P, P+10000 found for a Redis Cluster node");
  }

  private static boolean isFree(int port) {
    try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static RedisServerProcess launch(List<String> persistence) {
    return launch(freePort(), null, persistence);
  }

  private static RedisServerProcess launch(int port, Path config, List<String> persistence) {
    Binary bin = binary();
    Path dir = io(() -> Files.createTempDirectory("tripstate-redis-"));
    List<String> cmd = new ArrayList<>(List.of(bin.path().toString()));
    if (config != null) {
      cmd.add(config.toString());
    }
    cmd.addAll(List.of("--bind", "127.0.0.1", "--port", Integer.toString(port), "--daemonize", "no",
        "--dir", dir.toString()));
    cmd.addAll(persistence);
    // Redis 7 refuses DEBUG (SLEEP, ...) unless enabled; 6.2 allows it and rejects this option.
    if (bin.major() >= 7 && !persistence.contains("--sentinel")) {
      cmd.addAll(List.of("--enable-debug-command", "yes"));
    }
    RedisServerProcess server = new RedisServerProcess(port, dir, List.copyOf(cmd));
    try {
      server.launchAndAwaitPing(Duration.ZERO);
    } catch (RuntimeException e) {
      deleteRecursively(dir);
      throw e;
    }
    return server;
  }

  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:PORT}. */
  public String url() {
    return "redis://127.0.0.1:" + port;
  }

  /** Pid of the current (or last) server process. */
  public synchronized long pid() {
    return process.pid();
  }

  /** True while the process is alive, paused or not. */
  public synchronized boolean isRunning() {
    return process.isAlive();
  }

  /** SIGTERM, then SIGKILL if the server has not exited within 5 s. A paused server is resumed first. */
  public synchronized void stop() {
    if (!isRunning()) {
      return;
    }
    if (paused) {
      resume();
    }
    process.destroy();
    if (!io(() -> process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))) {
      kill();
    }
  }

  /** SIGKILL: the server gets no chance to flush or close anything. */
  public synchronized void kill() {
    process.destroyForcibly();
    io(() -> process.waitFor(STOP_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
    paused = false;
  }

  /** Starts the server again on the same port, directory and options, stopping it first if it runs. */
  public synchronized void restart() {
    stop();
    launchAndAwaitPing(RESTART_BIND_WINDOW);
  }

  /** SIGSTOP: the server keeps its port open but answers nothing until {@link #resume()}. */
  public synchronized void pause() {
    signal("STOP");
    paused = true;
  }

  /** SIGCONT after {@link #pause()}. */
  public synchronized void resume() {
    signal("CONT");
    paused = false;
  }

  /** Stops the server and deletes its directory (best effort). */
  @Override
  public synchronized void close() {
    try {
      stop();
    } finally {
      deleteRecursively(dir);
    }
  }

  /**
   * Sends one command over a fresh socket, independently of the code under test. The reply comes back as:
   * simple string or integer as its text, error with its leading {@code -}, bulk string as its content or
   * null, array as its elements joined by newlines (nil elements as empty lines).
   *
   * @throws UncheckedIOException if the server cannot be reached or does not answer within 5 s
   */
  public String command(String... args) {
    return command(COMMAND_TIMEOUT, args);
  }

  /** As {@link #command(String...)} with the given connect and read timeout. */
  public String command(Duration timeout, String... args) {
    return io(() -> Resp.send("127.0.0.1", port, timeout, args));
  }

  /**
   * As {@link #command(String...)} on a connection that first sends {@code AUTH [user] password}, for a
   * server started with {@code --requirepass} or ACL users. An AUTH refusal is returned as the error reply.
   *
   * @param user the ACL user, or {@code null} for the default user
   */
  public String commandAs(String user, String password, String... args) {
    String[] auth = user == null ? new String[] {password} : new String[] {user, password};
    return io(() -> Resp.send("127.0.0.1", port, COMMAND_TIMEOUT, auth, args));
  }

  /** As {@link #command(String...)} after {@code READONLY}: reads a cluster replica's own copy of a key. */
  public String readOnlyCommand(String... args) {
    return io(() -> Resp.sendAfter("127.0.0.1", port, COMMAND_TIMEOUT, new String[] {"READONLY"}, args));
  }

  private void launchAndAwaitPing(Duration bindRetryWindow) {
    long bindDeadline = System.nanoTime() + bindRetryWindow.toNanos();
    while (true) {
      long logOffset = log.toFile().length();
      Process started = io(() -> new ProcessBuilder(commandLine).directory(dir.toFile())
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start());
      process = started;
      paused = false;
      LIVE.add(started);
      started.onExit().thenRun(() -> LIVE.remove(started));
      try {
        await("redis-server answers PING on port " + port).atMost(START_TIMEOUT).pollDelay(Duration.ZERO)
            .pollInterval(Duration.ofMillis(20)).pollInSameThread()
            .until(() -> !started.isAlive() || answersPing());
      } catch (ConditionTimeoutException e) {
        kill();
        throw new IllegalStateException("redis-server did not answer PING on port " + port + " within "
            + START_TIMEOUT.toSeconds() + " s; " + commandLine + " wrote:\n" + logSince(logOffset));
      }
      if (started.isAlive()) {
        return;
      }
      String output = logSince(logOffset);
      // Right after a kill the port can stay taken for a moment; a fresh start picked a free port instead.
      if (!output.contains("Address already in use") || System.nanoTime() > bindDeadline) {
        throw new IllegalStateException("redis-server exited with code " + started.exitValue()
            + " before answering PING on port " + port + "; " + commandLine + " wrote:\n" + output);
      }
      io(() -> { Thread.sleep(100); return null; });
    }
  }

  private boolean answersPing() {
    try {
      String reply = Resp.send("127.0.0.1", port, PROBE_TIMEOUT, "PING");
      // A server that requires a password is up when it refuses an unauthenticated PING.
      return "PONG".equals(reply) || reply != null && reply.startsWith("-NOAUTH");
    } catch (IOException e) {
      return false;
    }
  }

  private String logSince(long offset) {
    byte[] all = io(() -> Files.readAllBytes(log));
    int from = (int) Math.max(offset, all.length - 4000L);
    return new String(all, from, all.length - from, UTF_8);
  }

  private void signal(String name) {
    String pid = Long.toString(process.pid());
    io(() -> {
      Process kill = new ProcessBuilder("kill", "-" + name, pid).redirectErrorStream(true).start();
      String out = new String(kill.getInputStream().readAllBytes(), UTF_8);
      if (kill.waitFor() != 0) {
        throw new IllegalStateException("kill -" + name + " " + pid + " failed: " + out);
      }
      return null;
    });
  }

  private static synchronized Binary binary() {
    if (binary == null) {
      String choice = System.getProperty(BINARY_PROPERTY, "").trim();
      Path path = choice.equals("embedded") ? embeddedBinary()
          : !choice.isEmpty() ? Path.of(choice)
          : Stream.of(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
              .filter(entry -> !entry.isBlank()).map(entry -> Path.of(entry, "redis-server"))
              .filter(Files::isExecutable).findFirst()
              .orElseGet(RedisServerProcess::embeddedBinary);
      String out = io(() -> {
        Process p = new ProcessBuilder(path.toString(), "--version").redirectErrorStream(true).start();
        return new String(p.getInputStream().readAllBytes(), UTF_8);
      });
      Matcher m = VERSION.matcher(out);
      if (!m.find()) {
        throw new IllegalStateException("Unrecognised `" + path + " --version` output: " + out);
      }
      binary = new Binary(path, m.group(1), Integer.parseInt(m.group(2)));
      Runtime.getRuntime().addShutdownHook(new Thread(
          () -> LIVE.forEach(Process::destroyForcibly), "redis-server-process-reaper"));
    }
    return binary;
  }

  private static Path embeddedBinary() {
    // Each call extracts a fresh copy into a new temp dir, hence the static cache in binary().
    File file = io(() -> redis.embedded.core.ExecutableProvider.newJarResourceProvider().get());
    if (!file.canExecute() && !file.setExecutable(true)) {
      throw new IllegalStateException("Cannot make " + file + " executable");
    }
    return file.toPath();
  }

  private static void deleteRecursively(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
    } catch (IOException | UncheckedIOException e) {
      // Best effort: a leftover temp dir must not fail a test.
    }
  }

  private interface Io<T> {
    T call() throws IOException, InterruptedException;
  }

  private static <T> T io(Io<T> body) {
    try {
      return body.call();
    } catch (IOException e) {
      throw new UncheckedIOException(e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
