package io.tripstate.faults;

import static org.awaitility.Awaitility.await;

import io.tripstate.BreakerVerticle;
import io.tripstate.support.Bus;
import io.tripstate.support.EventLoopProbe;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Context;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One BreakerVerticle against a private Redis, with an {@link EventLoopProbe} on the verticle's own event
 * loop from before the deployment starts: what every fault-injection test needs.
 */
final class FaultDeployment implements AutoCloseable {
  private static final int MGET_BATCH = 500;

  final JsonObject config;
  final Bus bus;
  final EventLoopProbe probe;
  final long deployMs;
  private final String deploymentId;
  private final RedisServerProcess redis;
  private final AtomicLong slowestReplyNanos = new AtomicLong();

  private FaultDeployment(Vertx vertx, String deploymentId, JsonObject config, EventLoopProbe probe, long deployMs,
      RedisServerProcess redis) {
    this.deploymentId = deploymentId;
    this.config = config;
    this.bus = new Bus(vertx, config.getString("address"));
    this.probe = probe;
    this.deployMs = deployMs;
    this.redis = redis;
  }

  /** A config against {@code redis} with its own key prefix and addresses; every other value is the default. */
  static JsonObject config(RedisServerProcess redis) {
    String id = UUID.randomUUID().toString().substring(0, 8);
    return new JsonObject()
        .put("address", "faults." + id)
        .put("transitionsAddress", "faults." + id + ".transitions")
        .put("redis", new JsonObject().put("connectionString", redis.url()))
        .put("persistence", new JsonObject().put("keyPrefix", "faults:" + id + ":"))
        .put("defaults", new JsonObject().put("failureThreshold", 2).put("resetTimeoutMs", 60_000));
  }

  /** Deploys and returns once {@code start()} completed; the probe runs from the first moment of start(). */
  static FaultDeployment deploy(Vertx vertx, RedisServerProcess redis, JsonObject config, Clock clock) {
    ProbedVerticle verticle = new ProbedVerticle(clock);
    long started = System.nanoTime();
    String id = Bus.await(vertx.deployVerticle(verticle, new DeploymentOptions().setConfig(config)));
    long deployMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    return new FaultDeployment(vertx, id, config, verticle.probe, deployMs, redis);
  }

  /**
   * Deploys a throwaway verticle against {@code redis}, persists a transition and undeploys it, so that the
   * one-off class loading of the first deployment, request and write in this JVM (hundreds of milliseconds on
   * the event loop on a small machine) is not measured as the lag of the fault under test.
   */
  static void warmUp(Vertx vertx, RedisServerProcess redis) {
    FaultDeployment warm = deploy(vertx, redis, config(redis), Clock.systemUTC());
    warm.record("warm-up", "failure");
    warm.record("warm-up", "failure");
    warm.send("reset", "warm-up");
    warm.awaitRedisHoldsEverySnapshot(10_000);
    warm.close();
    Bus.await(vertx.undeploy(warm.deploymentId));
  }

  /** Sends a request, timing its reply (see {@link #slowestReplyMs()}); safe from several test threads. */
  JsonObject send(String action, JsonObject body) {
    long sent = System.nanoTime();
    JsonObject reply = bus.send(action, body);
    slowestReplyNanos.accumulateAndGet(System.nanoTime() - sent, Math::max);
    return reply;
  }

  JsonObject send(String action, String name) {
    return send(action, new JsonObject().put("name", name));
  }

  JsonObject record(String name, String outcome) {
    return send("record", new JsonObject().put("name", name).put("outcome", outcome));
  }

  /** The slowest reply to {@link #send} so far, in milliseconds. */
  double slowestReplyMs() {
    return slowestReplyNanos.get() / 1e6;
  }

  /** The slowest reply to {@link #send} since the previous call, in milliseconds; starts a new phase. */
  double endReplyPhase() {
    return slowestReplyNanos.getAndSet(0) / 1e6;
  }

  /** A log record's message with its parameters filled in, as a handler would print it. */
  static String formatted(LogRecord record) {
    return new SimpleFormatter().formatMessage(record);
  }

  String key(String name) {
    return config.getJsonObject("persistence").getString("keyPrefix") + name + ":state";
  }

  /** The value Redis holds for a breaker, read over a socket of its own; null when absent or Redis is away. */
  JsonObject stored(String name) {
    String value = redis.command("GET", key(name));
    return value == null ? null : new JsonObject(value);
  }

  JsonObject persistence() {
    return bus.statusAll().getJsonObject("persistence");
  }

  /** The status of every breaker, by name, as replied (without the live fields, which Redis does not hold). */
  Map<String, JsonObject> snapshots() {
    Map<String, JsonObject> byName = new LinkedHashMap<>();
    JsonArray breakers = bus.statusAll().getJsonArray("breakers");
    for (int i = 0; i < breakers.size(); i++) {
      JsonObject snapshot = breakers.getJsonObject(i).copy();
      snapshot.remove("retry_after_ms");
      snapshot.remove("failure_rate");
      snapshot.remove("slow_call_rate");
      snapshot.remove("shared");
      byName.put(snapshot.getString("name"), snapshot);
    }
    return byName;
  }

  /**
   * Whether a stored value is the given status: equal as JSON when tripstate wrote it; for a value it only
   * restored (another writer's form, e.g. the older four fields), the same state, version and failure count.
   */
  static boolean holds(JsonObject stored, JsonObject status) {
    if (stored == null) {
      return false;
    }
    if (stored.containsKey("name")) {
      return stored.equals(status);
    }
    return status.getString("state").equals(stored.getString("state"))
        && status.getLong("version").equals(stored.getLong("version", 0L))
        && status.getInteger("failure_count").equals(stored.getInteger("failure_count", 0));
  }

  /** Names whose Redis value differs from the status reply, with both sides, e.g. for an assertion message. */
  Map<String, String> differences(Map<String, JsonObject> expected) {
    List<String> names = new ArrayList<>(expected.keySet());
    Map<String, String> differences = new LinkedHashMap<>();
    for (int from = 0; from < names.size(); from += MGET_BATCH) {
      List<String> batch = names.subList(from, Math.min(names.size(), from + MGET_BATCH));
      String[] values;
      try {
        // One MGET per batch: values are compact JSON (no newline), a missing key comes back as an empty line.
        String reply = redis.command(Stream.concat(Stream.of("MGET"), batch.stream().map(this::key))
            .toArray(String[]::new));
        values = reply == null ? new String[0] : reply.split("\n", -1);
      } catch (RuntimeException e) {
        values = new String[0]; // Redis away: nothing is stored as far as we can tell
      }
      for (int i = 0; i < batch.size(); i++) {
        JsonObject stored = i < values.length && !values[i].isEmpty() ? new JsonObject(values[i]) : null;
        JsonObject status = expected.get(batch.get(i));
        if (!holds(stored, status)) {
          differences.put(batch.get(i), "status " + status.encode() + " / Redis "
              + (stored == null ? "nothing" : stored.encode()));
        }
      }
    }
    return differences;
  }

  /** Waits until Redis holds exactly the status of every breaker; returns the milliseconds it took. */
  long awaitRedisHoldsEverySnapshot(long timeoutMs) {
    long started = System.nanoTime();
    try {
      await("Redis holds every snapshot").atMost(Duration.ofMillis(timeoutMs)).pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(20)).pollInSameThread()
          .until(() -> differences(snapshots()).isEmpty());
      return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    } catch (ConditionTimeoutException e) {
      // reported below, with what differs
    }
    Map<String, String> differences = differences(snapshots());
    if (differences.isEmpty()) { // it held right after the deadline
      return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    }
    String firstFew = differences.entrySet().stream().limit(5).map(e -> e.getKey() + ": " + e.getValue())
        .collect(Collectors.joining("\n  "));
    throw new AssertionError(differences.size() + " breaker(s) whose snapshot Redis does not hold after " + timeoutMs
        + " ms, e.g.\n  " + firstFew);
  }

  /** Sleeps; a negative time returns at once. */
  static void sleep(long ms) {
    if (ms <= 0) {
      return;
    }
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  @Override
  public void close() {
    probe.close();
  }

  /** The verticle under test, with a probe on its event loop from the start of its deployment. */
  private static final class ProbedVerticle extends BreakerVerticle {
    private EventLoopProbe probe;

    ProbedVerticle(Clock clock) {
      super(clock);
    }

    @Override
    public void init(Vertx vertx, Context context) {
      super.init(vertx, context);
      probe = EventLoopProbe.start(context);
    }
  }
}
