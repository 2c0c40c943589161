package io.tripstate.bench;

import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig;
import io.github.resilience4j.circuitbreaker.CircuitBreakerConfig.SlidingWindowType;
import io.tripstate.BreakerClient;
import io.tripstate.BreakerVerticle;
import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.Decision;
import io.tripstate.breaker.Outcome;
import io.tripstate.breaker.WindowType;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;

/**
 * Section 2 of issue 5: the cost of one decision in process, called from JMH's own threads: tripstate's pure
 * {@link Breaker} and its {@code BreakerClient} fast path against Resilience4j 2.4.0. Warm-up, measurement and
 * forks come from {@link DecisionCore} (the runner), not from annotations here. vertx-circuit-breaker is
 * measured in {@link OnLoopBenchmark} only: its {@code execute} hops to a Vert.x context, so called from a
 * plain thread it measures the caller outrunning the event loop, not the breaker.
 *
 * <p>tripstate's {@code Breaker} is single-threaded by design (the verticle's event loop owns it), so it runs
 * at 1 thread only; Resilience4j and the fast path are thread-safe and also run at 2 threads.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class DecisionCoreBenchmark {
  private static final Supplier<String> OK = () -> "ok";
  // Far in the future: an opened breaker stays open for the whole run.
  private static final long LONG_OPEN_MS = 3_600_000;

  /** tripstate breakers: a count window of 100 (as Resilience4j below), the default consecutive one, an open one. */
  @State(Scope.Thread)
  public static class Tripstate {
    Breaker count100;
    Breaker consecutive;
    Breaker open;
    long now;

    @Setup(Level.Trial)
    public void setUp() {
      now = System.currentTimeMillis();
      BreakerSettings count = BreakerSettings.builder().window(WindowType.COUNT, 100, 100)
          .resetTimeoutMs(LONG_OPEN_MS).build();
      count100 = new Breaker("count100", count, 0);
      consecutive = new Breaker("consecutive", BreakerSettings.builder().resetTimeoutMs(LONG_OPEN_MS).build(), 0);
      open = new Breaker("open", BreakerSettings.builder().failureThreshold(1).resetTimeoutMs(LONG_OPEN_MS).build(), 0);
      open.record(Outcome.FAILURE, null, null, now);
      if (open.acquire(now).permitted()) {
        throw new IllegalStateException("the open breaker permitted a call");
      }
    }
  }

  /** Item 7: BreakerClient.execute on the in-process fast path, a verticle deployed in the same Vert.x. */
  @State(Scope.Benchmark)
  public static class FastPath {
    Vertx vertx;
    BreakerClient client;
    Supplier<Future<String>> completed = () -> Future.succeededFuture("ok");

    @Setup(Level.Trial)
    public void setUp() {
      vertx = Vertx.vertx();
      // "timed": a count window, whose slow-call rate needs each call's duration (two clock reads per call).
      // "open": opened for the whole run, for the fast path's rejections.
      JsonObject config = new JsonObject().put("address", "bench.fast")
          .put("persistence", new JsonObject().put("enabled", false))
          .put("metrics", new JsonObject().put("enabled", metricsEnabled()))
          .put("breakers", new JsonObject().put("timed", new JsonObject()
              .put("window", new JsonObject().put("type", "count").put("size", 100).put("minimumCalls", 100)))
              .put("open", new JsonObject().put("failureThreshold", 1).put("resetTimeoutMs", LONG_OPEN_MS)));
      vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config)).await();
      client = BreakerClient.create(vertx, "bench.fast");
      // The first acquire creates the breaker through the verticle; from then on the view answers.
      client.acquire("fast").await();
      client.acquire("timed").await();
      client.record("open", Outcome.FAILURE, null, null).await();
    }

    /** Metrics are on by default (the verticle counts every call; the fast path's decisions are counted too). */
    boolean metricsEnabled() {
      return true;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      vertx.close().await();
    }
  }

  /** The same verticle with {@code metrics.enabled: false}: what metrics cost the fast path, by difference. */
  @State(Scope.Benchmark)
  public static class FastPathMetricsOff extends FastPath {
    @Override
    boolean metricsEnabled() {
      return false;
    }
  }

  /**
   * Awaited when not complete, as a real caller would: on the fast path the result is the call's own,
   * complete at once; while the outcome queue is full, execute goes through the verticle and the wait is the
   * back-pressure.
   */
  @Benchmark
  public Object tripstateFastPathExecute(FastPath s) {
    return result(s.client.execute("fast", s.completed));
  }

  /** {@link #tripstateFastPathExecute} with metrics off (compare the two to see what metrics cost). */
  @Benchmark
  public Object tripstateFastPathExecuteMetricsOff(FastPathMetricsOff s) {
    return result(s.client.execute("fast", s.completed));
  }

  /** An open breaker refusing on the fast path: the call is not run; the refusal is counted (a LongAdder). */
  @Benchmark
  public Object tripstateFastPathExecuteOpen(FastPath s) {
    return s.client.execute("open", s.completed).cause();
  }

  /** The same on a breaker with a count window: the call is timed, and each outcome takes a slot of its own. */
  @Benchmark
  public Object tripstateFastPathExecuteTimed(FastPath s) {
    return result(s.client.execute("timed", s.completed));
  }

  /** The same from two threads sharing the client, the view and the outcome queue. */
  @Benchmark
  @Threads(2)
  public Object tripstateFastPathExecute2Threads(FastPath s) {
    return result(s.client.execute("fast", s.completed));
  }

  private static Object result(Future<String> execution) {
    return execution.isComplete() ? execution.result() : execution.await();
  }

  @Benchmark
  public Object tripstateFastPathAcquire(FastPath s) {
    return s.client.acquire("fast");
  }

  /** Resilience4j breakers (one closed, one open) shared by all threads: count window of 100, as the issue asks. */
  @State(Scope.Benchmark)
  public static class Resilience4j {
    io.github.resilience4j.circuitbreaker.CircuitBreaker closed;
    io.github.resilience4j.circuitbreaker.CircuitBreaker open;

    @Setup(Level.Trial)
    public void setUp() {
      closed = breaker("closed", false);
      open = breaker("open", true);
    }

    /** A breaker with a count window of 100 that stays open for an hour once opened; shared with the on-loop rows. */
    static io.github.resilience4j.circuitbreaker.CircuitBreaker breaker(String name, boolean open) {
      CircuitBreakerConfig config = CircuitBreakerConfig.custom().slidingWindowType(SlidingWindowType.COUNT_BASED)
          .slidingWindowSize(100).minimumNumberOfCalls(100).waitDurationInOpenState(Duration.ofHours(1)).build();
      io.github.resilience4j.circuitbreaker.CircuitBreaker breaker =
          io.github.resilience4j.circuitbreaker.CircuitBreaker.of(name, config);
      if (open) {
        breaker.transitionToOpenState();
      }
      return breaker;
    }
  }

  @Benchmark
  public Object tripstateClosedPairCount100(Tripstate s) {
    Decision decision = s.count100.acquire(s.now);
    // As the verticle does for a record that carries the permit handed out by acquire.
    return s.count100.record(Outcome.SUCCESS, decision.permit(), null, s.now);
  }

  @Benchmark
  public Object tripstateClosedPairConsecutive(Tripstate s) {
    Decision decision = s.consecutive.acquire(s.now);
    return s.consecutive.record(Outcome.SUCCESS, decision.permit(), null, s.now);
  }

  @Benchmark
  public Object tripstateOpenReject(Tripstate s) {
    return s.open.acquire(s.now);
  }

  @Benchmark
  public boolean resilience4jClosedPair(Resilience4j s) {
    return closedPair(s);
  }

  /**
   * Resilience4j's whole {@code executeSupplier} of a call that returns at once: permission, two clock reads
   * around the call, {@code onSuccess} with the duration. The like-for-like anchor of a timed {@code execute}.
   */
  @Benchmark
  public String resilience4jExecuteSupplier(Resilience4j s) {
    return s.closed.executeSupplier(OK);
  }

  @Benchmark
  @Threads(2)
  public boolean resilience4jClosedPair2Threads(Resilience4j s) {
    return closedPair(s);
  }

  @Benchmark
  public boolean resilience4jOpenReject(Resilience4j s) {
    return s.open.tryAcquirePermission();
  }

  @Benchmark
  @Threads(2)
  public boolean resilience4jOpenReject2Threads(Resilience4j s) {
    return s.open.tryAcquirePermission();
  }

  private static boolean closedPair(Resilience4j s) {
    boolean permitted = s.closed.tryAcquirePermission();
    s.closed.onSuccess(0, TimeUnit.NANOSECONDS);
    return permitted;
  }
}
