package io.tripstate.app;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.tripstate.BreakerVerticle;
import io.tripstate.config.ClusterConfig;
import io.tripstate.config.ConfigException;
import io.tripstate.config.EnvOverrides;
import io.tripstate.config.TripstateConfig;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.VertxBuilder;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.internal.VertxInternal;
import io.vertx.core.json.JsonObject;
import io.vertx.micrometer.MicrometerMetricsFactory;
import io.vertx.micrometer.MicrometerMetricsOptions;
import io.vertx.micrometer.VertxPrometheusOptions;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The standalone app behind {@code run.sh}: reads {@code conf/config.json} (or the file given as the only
 * argument), applies the environment overrides of {@link EnvOverrides}, starts a local Redis when none
 * answers on a loopback URL (or takes back the one that a killed run left running, see {@link LocalRedis}),
 * deploys one {@link BreakerVerticle} and prints where it serves. Ctrl-C or SIGTERM undeploys it (flushing
 * pending snapshots) and then stops the local Redis.
 *
 * <p>With {@code CLUSTER_MEMBERS} set it first joins a Hazelcast cluster ({@link ClusterSettings}). With
 * {@code cluster.scope: "cluster"} the verticle is then deployed with Vert.x HA, so that a survivor redeploys it
 * when this node dies; with {@code cluster.standby} as well it is deployed without HA: a standby on every other
 * node takes over after a crash and after a graceful stop alike, and an HA redeployment would meet that node's
 * standby, which already holds the address there.
 *
 * <p>Exit codes: 2 for an unusable config or environment, 1 when the cluster cannot be joined or the verticle
 * does not deploy.
 */
public final class Main {
  private static final Logger LOG = System.getLogger(Main.class.getName());
  private static final Path DEFAULT_CONFIG = Path.of("conf", "config.json");
  private static final Path DATA_DIR = Path.of("data");
  private static final Set<String> LOOPBACK = Set.of("127.0.0.1", "localhost", "::1", "[::1]");
  private static final long PING_TIMEOUT_MS = 1_500;
  /** Hazelcast takes seconds to start, more on a loaded machine. */
  private static final long JOIN_TIMEOUT_SECONDS = 60;
  private static final AtomicBoolean STOPPING = new AtomicBoolean();

  private static volatile Vertx vertx;
  private static volatile LocalRedis localRedis;
  private static volatile Path runFolder;
  private static volatile long closeTimeoutMs = 10_000;

  private Main() {}

  public static void main(String[] args) {
    JsonObject json;
    TripstateConfig config;
    ClusterSettings cluster;
    try {
      json = EnvOverrides.apply(readConfig(args), System.getenv());
      config = TripstateConfig.from(json);
      cluster = ClusterSettings.fromEnv(System.getenv());
    } catch (StartupException | ConfigException e) {
      exit(2, e.getMessage());
      return;
    }
    // Undeploying waits for the pending snapshots, bounded by twice the command timeout; leaving a cluster takes
    // a few seconds more.
    closeTimeoutMs = 2 * config.persistence().commandTimeoutMs() + (cluster == null ? 5_000 : 15_000);
    boolean clusterScope = cluster != null && config.cluster().scope() == ClusterConfig.Scope.CLUSTER;
    boolean ha = clusterScope && !config.cluster().standby();
    VertxOptions options = new VertxOptions().setFileSystemOptions(fileSystemOptions());
    try {
      vertx = cluster == null ? createVertx(config, options, null)
          : createVertx(config, cluster.apply(options, ha), cluster);
    } catch (Throwable e) { // a missing vertx-hazelcast is a NoClassDefFoundError
      exit(1, "could not join the cluster (" + cluster + "): " + oneLine(e));
      return;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(Main::stopAll, "tripstate-shutdown"));
    String redis = prepareRedis(config, leftBehindRedis());
    BreakerVerticle verticle;
    try {
      verticle = deploy(json, ha);
    } catch (Throwable e) { // await() rethrows the failure as is, and Redis errors are Throwables, not Exceptions
      if (!STOPPING.get()) {
        exit(1, "failed to start: " + oneLine(e));
      }
      return;
    }
    String clusterLine = cluster == null ? "" : "  cluster:   node "
        + ((VertxInternal) vertx).clusterManager().getNodeId() + ", "
        + cluster + ", scope " + config.cluster().scope().wireName() + (ha ? " (Vert.x HA)" : "") + "\n";
    String common = "  event bus: address '" + config.address() + "', transitions on '" + config.transitionsAddress()
        + "'\n" + clusterLine + "  Redis:     " + redis + "\n";
    if (verticle.isStandby()) {
      System.out.println("tripstate is standing by: another node owns '" + config.address() + "'; this one restores"
          + " and serves (" + (config.http().port() == null ? "HTTP off" : "HTTP on port " + config.http().port())
          + ") once it holds the cluster-wide lock\n" + common
          + "Stop with Ctrl-C.");
      return;
    }
    int httpPort = verticle.httpPort(); // -1: HTTP is off
    System.out.println("tripstate is running\n" + common
        + "  HTTP:      " + (httpPort < 0 ? "off" : "http://" + config.http().host() + ":" + httpPort
            + "/breakers  (and /health" + (config.metrics().enabled() ? ", /metrics" : "") + ")") + "\n"
        + "Stop with Ctrl-C.");
  }

  /**
   * A Vert.x instance, clustered when {@code cluster} is given, that reports its own metrics to a Prometheus
   * registry when metrics are on. Blocking: joining a cluster takes seconds.
   */
  private static Vertx createVertx(TripstateConfig config, VertxOptions options, ClusterSettings cluster) {
    VertxBuilder builder = Vertx.builder();
    if (config.metrics().enabled()) {
      builder = withMetrics(builder, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), options);
    } else {
      builder = builder.with(options);
    }
    if (cluster == null) {
      return builder.build();
    }
    return builder.withClusterManager(cluster.clusterManager()).buildClustered()
        .timeout(JOIN_TIMEOUT_SECONDS, TimeUnit.SECONDS).await();
  }

  /**
   * Deploys the verticle, by class name with {@code ha} (Vert.x HA redeploys by name on a survivor), and returns
   * the deployed instance.
   */
  private static BreakerVerticle deploy(JsonObject json, boolean ha) {
    DeploymentOptions options = new DeploymentOptions().setConfig(json).setInstances(1).setHa(ha);
    if (!ha) {
      BreakerVerticle verticle = new BreakerVerticle();
      vertx.deployVerticle(verticle, options).await();
      return verticle;
    }
    String id = vertx.deployVerticle(BreakerVerticle.class.getName(), options).await();
    // Vert.x returns only the id of a deployment by name; the instance (for its HTTP port) is internal.
    return (BreakerVerticle) ((VertxInternal) vertx).deploymentManager().deployment(id).deployment().instances()
        .iterator().next();
  }

  /**
   * A Vert.x instance that reports its own metrics (event bus, HTTP server, pools) to a Prometheus registry;
   * the verticle then puts its breakers' metrics in the same registry, so one {@code GET /metrics} has both.
   */
  public static Vertx vertxWithMetrics(PrometheusMeterRegistry registry, VertxOptions options) {
    return withMetrics(Vertx.builder(), registry, options).build();
  }

  private static VertxBuilder withMetrics(VertxBuilder builder, PrometheusMeterRegistry registry,
      VertxOptions options) {
    MicrometerMetricsOptions metrics = new MicrometerMetricsOptions()
        .setPrometheusOptions(new VertxPrometheusOptions().setEnabled(true))
        .setEnabled(true);
    return builder.with(options.setMetricsOptions(metrics)).withMetrics(new MicrometerMetricsFactory(registry));
  }

  /**
   * Returns the summary text of the Redis line, starting a local Redis when that is what it takes, or taking
   * back the one an earlier run left running ({@code leftBehind}, stopped when this config does not use it).
   */
  private static String prepareRedis(TripstateConfig config, LocalRedis leftBehind) {
    if (!config.persistence().enabled()) {
      stopLeftBehind(leftBehind, "persistence is disabled");
      return "persistence disabled (memory only)";
    }
    RedisOptions options = config.redisOptions();
    String where = config.redisDescription();
    URI uri = URI.create(options.getEndpoint());
    int port = uri.getPort() < 0 ? 6379 : uri.getPort();
    boolean localPlainUrl = "redis".equals(uri.getScheme()) && uri.getHost() != null
        && LOOPBACK.contains(uri.getHost());
    boolean credentials = options.getPassword() != null || uri.getUserInfo() != null;
    if (leftBehind != null && localPlainUrl && !credentials && leftBehind.port() == port) {
      try {
        leftBehind.awaitReady();
        localRedis = leftBehind;
        System.out.println("Took back the local redis-server (pid " + leftBehind.pid() + ", port " + port
            + ") left running by an earlier run that was killed; it stops with this app");
        return where + " (started by run.sh, data in ./" + DATA_DIR + ")";
      } catch (IOException e) { // it was stopped meanwhile, or hangs: awaitReady stopped it
        LOG.log(Level.WARNING, "The local redis-server left running by an earlier run does not answer: {0}",
            oneLine(e));
      }
    } else {
      stopLeftBehind(leftBehind, "this config does not use it");
    }
    String failure = ping(options);
    if (failure == null) {
      return where + " (external)";
    }
    String reason;
    if (!localPlainUrl) {
      reason = "it is not a local plain redis:// URL, so none is started here";
    } else if (listens(port)) {
      reason = "something listens on port " + port + " but does not answer PING";
    } else if (credentials) {
      reason = "a local Redis is only started for a URL without credentials";
    } else {
      try {
        LocalRedis started = LocalRedis.launch(port, uri.getHost().contains(":"), DATA_DIR);
        localRedis = started;
        started.awaitReady();
        System.out.println("No Redis answered at " + where + ": started a local redis-server (pid " + started.pid()
            + ") on port " + port + ", data in " + started.dataDir() + " (log: ./data/redis.log)");
        return where + " (started by run.sh, data in ./" + DATA_DIR + ")";
      } catch (NoClassDefFoundError e) {
        reason = "cannot start a local one: com.github.codemonstur:embedded-redis (an optional dependency) "
            + "is not on the class path";
      } catch (IOException e) {
        reason = "could not start a local one: " + oneLine(e);
      }
    }
    LOG.log(Level.WARNING, "Redis at {0} does not answer ({1}); {2}. Breakers run in memory until it answers "
        + "(retried every {3,number,#} ms), then their state is persisted", where, failure, reason,
        config.persistence().retryMs());
    return where + " (NOT answering: breakers run in memory until it does)";
  }

  /** The local Redis that an earlier run started in ./data and left running (it was killed), or {@code null}. */
  private static LocalRedis leftBehindRedis() {
    try {
      return LocalRedis.takeOver(DATA_DIR).orElse(null);
    } catch (IOException | NoClassDefFoundError e) { // no embedded-redis: no run started a local Redis either
      LOG.log(Level.WARNING, "Could not check ./{0} for a local Redis left running: {1}", DATA_DIR, oneLine(e));
      return null;
    }
  }

  private static void stopLeftBehind(LocalRedis leftBehind, String why) {
    if (leftBehind != null) {
      leftBehind.stop();
      System.out.println("Stopped the local redis-server (pid " + leftBehind.pid() + ", port " + leftBehind.port()
          + ") left running by an earlier run that was killed: " + why);
    }
  }

  /** Vert.x's file cache in this run's own temporary folder, so that a run killed with SIGKILL leaves none. */
  private static FileSystemOptions fileSystemOptions() {
    FileSystemOptions options = new FileSystemOptions();
    try {
      runFolder = RunFolder.create();
      options.setFileCacheDir(runFolder.resolve("vertx-cache").toString());
    } catch (IOException e) {
      LOG.log(Level.WARNING, "Could not prepare a temporary folder for this run: {0}", oneLine(e));
    }
    return options;
  }

  /** {@code null} when Redis answers PING, else why not. */
  private static String ping(RedisOptions options) {
    Redis client = Redis.createClient(vertx, options);
    try {
      client.send(Request.cmd(Command.PING)).timeout(PING_TIMEOUT_MS, TimeUnit.MILLISECONDS).await();
      return null;
    } catch (Throwable e) { // a Redis error reply (e.g. NOAUTH) is a Throwable, not an Exception
      return oneLine(e);
    } finally {
      client.close();
    }
  }

  private static boolean listens(int port) {
    try (Socket socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static JsonObject readConfig(String[] args) {
    if (args.length > 1 || args.length == 1 && args[0].startsWith("-")) {
      throw new StartupException("usage: run.sh [config.json]  (default " + DEFAULT_CONFIG + ")");
    }
    Path path = args.length == 1 ? Path.of(args[0]) : DEFAULT_CONFIG;
    if (args.length == 0 && !Files.exists(path)) {
      return new JsonObject();
    }
    String text;
    try {
      text = Files.readString(path);
    } catch (NoSuchFileException e) {
      throw new StartupException("config file " + path + " does not exist");
    } catch (IOException e) {
      throw new StartupException("cannot read config file " + path + ": " + oneLine(e));
    }
    try {
      return new JsonObject(text);
    } catch (RuntimeException e) {
      // Jackson's location reads "[Source: REDACTED (...); line: 2, column: 1]": keep line and column.
      String why = oneLine(e).replaceAll("\\[Source: [^;]*; ", "[");
      throw new StartupException("config file " + path + " is not a JSON object: " + why);
    }
  }

  /** The shutdown hook: undeploys (flushing pending snapshots), then stops the local Redis. */
  private static void stopAll() {
    if (!STOPPING.compareAndSet(false, true)) {
      return;
    }
    // Printed rather than logged: the JUL LogManager resets its handlers in a shutdown hook of its own.
    System.out.println("tripstate stopping...");
    try {
      vertx.close().await(closeTimeoutMs, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      System.err.println("tripstate: Vert.x did not close within " + closeTimeoutMs + " ms; stopping anyway");
    } catch (Throwable e) {
      System.err.println("tripstate: closing Vert.x failed: " + oneLine(e));
    }
    LocalRedis redis = localRedis;
    if (redis != null) {
      redis.stop();
      System.out.println("stopped the local redis-server (pid " + redis.pid() + ")");
    }
    if (runFolder != null) {
      try {
        RunFolder.delete(runFolder);
      } catch (IOException e) {
        System.err.println("tripstate: could not delete " + runFolder + ": " + oneLine(e));
      }
    }
    System.out.println("tripstate stopped");
  }

  private static void exit(int status, String message) {
    System.err.println("tripstate: " + message);
    System.exit(status);
  }

  private static String oneLine(Throwable e) {
    String message = e.getMessage() == null || e.getMessage().isBlank() ? e.toString() : e.getMessage();
    return message.replaceAll("\\s+", " ").trim();
  }

  /** A startup problem already worded for the user. */
  private static final class StartupException extends RuntimeException {
    StartupException(String message) {
      super(message, null, false, false);
    }
  }
}
