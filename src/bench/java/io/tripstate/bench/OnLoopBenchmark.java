package io.tripstate.bench;

import io.tripstate.BreakerClient;
import io.tripstate.BreakerVerticle;
import io.tripstate.breaker.Breaker;
import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.Decision;
import io.tripstate.breaker.Outcome;
import io.tripstate.breaker.WindowType;
import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryContext;
import io.vertx.core.json.JsonObject;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * Section 2 of issue 5, on a Vert.x event loop: every operation runs on one event loop, {@value #N} per JMH
 * invocation, through {@link OnLoop} (which counts their completions and fails the run unless all N
 * completed as expected). Fair to vertx-circuit-breaker, whose {@code execute} is meant to be called there,
 * and the same harness for everything else, so that ratios compare like with like: the anchor is
 * {@link #onLoopResilience4jPair}, and {@link #onLoopBaseline} is the harness's own share of every figure.
 *
 * <p>Each state has a Vert.x of its own (2 event loops); JMH forks a JVM per benchmark anyway.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class OnLoopBenchmark {
  /**
   * Operations per invocation: enough to spread the hop to the loop and back (tens of microseconds) thinly,
   * and half of the outcomes tripstate's client lets go unconfirmed before it pauses its fast path, so one
   * batch alone never trips that back-pressure.
   */
  static final int N = 5_000;
  private static final long LONG_OPEN_MS = 3_600_000;
  static final Supplier<Future<String>> COMPLETED = () -> Future.succeededFuture("ok");

  /** The harness alone: no Vert.x state beyond its loop. */
  @State(Scope.Benchmark)
  public static class Empty {
    Vertx vertx;
    OnLoop loop;

    @Setup(Level.Trial)
    public void setUp() {
      vertx = OnLoop.vertx();
      loop = OnLoop.start(vertx);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      System.out.println(loop.report("harness alone"));
      vertx.close().await();
    }
  }

  /** Resilience4j breakers with a count window of 100, as in {@code DecisionCoreBenchmark}: one closed, one open. */
  @State(Scope.Benchmark)
  public static class Resilience4jOnLoop {
    Vertx vertx;
    OnLoop loop;
    io.github.resilience4j.circuitbreaker.CircuitBreaker closed;
    io.github.resilience4j.circuitbreaker.CircuitBreaker open;

    @Setup(Level.Trial)
    public void setUp() {
      closed = DecisionCoreBenchmark.Resilience4j.breaker("closed", false);
      open = DecisionCoreBenchmark.Resilience4j.breaker("open", true);
      vertx = OnLoop.vertx();
      loop = OnLoop.start(vertx);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      System.out.println(loop.report("Resilience4j"));
      vertx.close().await();
    }
  }

  /** tripstate's pure {@link Breaker} with a count window of 100, confined to the harness's loop. */
  @State(Scope.Benchmark)
  public static class TripstateBreakerOnLoop {
    Vertx vertx;
    OnLoop loop;
    Breaker count100;
    long now;

    @Setup(Level.Trial)
    public void setUp() {
      now = System.currentTimeMillis();
      count100 = new Breaker("count100", BreakerSettings.builder().window(WindowType.COUNT, 100, 100)
          .resetTimeoutMs(LONG_OPEN_MS).build(), 0);
      vertx = OnLoop.vertx();
      loop = OnLoop.start(vertx);
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      System.out.println(loop.report("tripstate Breaker"));
      vertx.close().await();
    }
  }

  /**
   * vertx-circuit-breaker with its default options (10 s timeout: a timer set and cancelled per call; metrics
   * and a notification published every 2 s), with timeout -1, and an open one.
   */
  @State(Scope.Benchmark)
  public static class VertxBreakerOnLoop {
    Vertx vertx;
    OnLoop loop;
    CircuitBreaker closed;
    CircuitBreaker closedNoTimeout;
    CircuitBreaker open;

    @Setup(Level.Trial)
    public void setUp() {
      vertx = OnLoop.vertx();
      loop = OnLoop.start(vertx);
      closed = CircuitBreaker.create("closed", vertx, new CircuitBreakerOptions());
      closedNoTimeout = CircuitBreaker.create("closed-no-timeout", vertx, new CircuitBreakerOptions().setTimeout(-1));
      open = CircuitBreaker.create("open", vertx, new CircuitBreakerOptions().setResetTimeout(LONG_OPEN_MS));
      open.open();
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      System.out.println(loop.report("vertx-circuit-breaker"));
      vertx.close().await();
    }
  }

  /**
   * tripstate's {@link BreakerClient} on the in-process fast path: a {@link BreakerVerticle} (persistence off)
   * deployed in the same Vert.x, called from the harness's loop, which is not the verticle's: the verticle
   * is deployed first and the harness's context created after it, and the setup checks the two threads
   * differ (it fails otherwise), so the verticle takes the outcomes on the other loop as it would in an
   * application.
   */
  @State(Scope.Benchmark)
  public static class TripstateClientOnLoop {
    private static final String ADDRESS = "bench.onloop";
    static final String NAME = "fast";
    static final String OPEN = "open";
    Vertx vertx;
    OnLoop loop;
    BreakerClient client;

    @Setup(Level.Trial)
    public void setUp() {
      vertx = OnLoop.vertx();
      JsonObject config = new JsonObject().put("address", ADDRESS)
          .put("persistence", new JsonObject().put("enabled", false))
          .put("breakers", new JsonObject().put(OPEN, new JsonObject().put("failureThreshold", 1)
              .put("resetTimeoutMs", 3_600_000)));
      vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config)).await();
      client = BreakerClient.create(vertx, ADDRESS);
      client.record(OPEN, Outcome.FAILURE, null, null).await();
      if (client.acquire(OPEN).await().permitted()) {
        throw new IllegalStateException("breaker '" + OPEN + "' should be open");
      }
      // The first acquire creates the breaker through the verticle (from then on the fast path's view
      // answers); an inbound interceptor, which runs on the receiving consumer's thread, sees the verticle's.
      AtomicReference<Thread> verticleThread = new AtomicReference<>();
      Handler<DeliveryContext<Object>> probe = delivery -> {
        if (ADDRESS.equals(delivery.message().address())) {
          verticleThread.compareAndSet(null, Thread.currentThread());
        }
        delivery.next();
      };
      vertx.eventBus().addInboundInterceptor(probe);
      client.acquire(NAME).await();
      vertx.eventBus().removeInboundInterceptor(probe);
      loop = OnLoop.start(vertx);
      Thread verticle = verticleThread.get();
      if (verticle == null || verticle == loop.thread()) {
        throw new IllegalStateException("the harness's loop must not be the verticle's: harness on "
            + loop.thread().getName() + ", verticle on " + (verticle == null ? "?" : verticle.getName()));
      }
      System.out.println("[on-loop] tripstate BreakerClient: harness on " + loop.thread().getName() + ", verticle on "
          + verticle.getName());
    }

    @TearDown(Level.Trial)
    public void tearDown() {
      System.out.println(loop.report("tripstate BreakerClient"));
      vertx.close().await();
    }
  }

  /** The harness alone: N counted no-ops, one hop to the loop and back. Part of every figure below. */
  @Benchmark
  @OperationsPerInvocation(N)
  public void onLoopBaseline(Empty s) {
    s.loop.run(N, true, (loop, n) -> {
      for (int i = 0; i < n; i++) {
        loop.count(true);
      }
    });
  }

  /**
   * The call itself without any breaker: the supplier's completed {@code Future}, tracked as an
   * {@code execute}'s result is. The floor under every {@code execute} row below.
   */
  @Benchmark
  @OperationsPerInvocation(N)
  public void onLoopDirectCall(Empty s) {
    s.loop.run(N, true, (loop, n) -> {
      for (int i = 0; i < n; i++) {
        loop.track(COMPLETED.get());
      }
    });
  }

  /** The anchor: Resilience4j's {@code tryAcquirePermission} + {@code onSuccess}, as {@code resilience4jClosedPair}. */
  @Benchmark
  @OperationsPerInvocation(N)
  public void onLoopResilience4jPair(Resilience4jOnLoop s) {
    io.github.resilience4j.circuitbreaker.CircuitBreaker breaker = s.closed;
    s.loop.run(N, true, (loop, n) -> {
      for (int i = 0; i < n; i++) {
        boolean permitted = breaker.tryAcquirePermission();
        breaker.onSuccess(0, TimeUnit.NANOSECONDS);
        loop.count(permitted);
      }
    });
  }

  /** The anchor of the rejections: Resilience4j's {@code tryAcquirePermission} while open. */
  @Benchmark
  @OperationsPerInvocation(N)
  public void onLoopResilience4jOpenReject(Resilience4jOnLoop s) {
    io.github.resilience4j.circuitbreaker.CircuitBreaker breaker = s.open;
    s.loop.run(N, false, (loop, n) -> {
      for (int i = 0; i < n; i++) {
        loop.count(breaker.tryAcquirePermission());
      }
    });
  }

  /** tripstate's {@code acquire} + {@code record(SUCCESS)} pair, count window of 100 (as Resilience4j's). */
  @Benchmark
  @OperationsPerInvocation(N)
  public void onLoopTripstatePair(TripstateBreakerOnLoop s) {
    Breaker breaker = s.count100;
    long now = s.now;
    s.loop.run(N, true, (loop, n) -> {
      for (int i = 0; i < n; i++) {
        Decision decision = breaker.acquire(now);
        breaker.record(Outcome.SUCCESS, decision.permit(), null, now);
        loop.count(decision.permitted());
      }
    });
  }

  /** {@code BreakerClient.execute} of an already completed call, closed breaker, fast path. */
  @Benchmark
  @OperationsPerInvocation(N)
  public void onLoopTripstateExecute(TripstateClientOnLoop s) {
    BreakerClient client = s.client;
    s.loop.run(N, true, (loop, n) -> {
      for (int i = 0; i < n; i++) {
        loop.track(client.execute(TripstateClientOnLoop.NAME, COMPLETED));
      }
    });
  }

  /** {@code BreakerClient.execute} while open: rejected from the view, the call not run. */
  @Benchmark
  @OperationsPerInvocation(N)
  public void onLoopTripstateOpenReject(TripstateClientOnLoop s) {
    BreakerClient client = s.client;
    s.loop.run(N, false, (loop, n) -> {
      for (int i = 0; i < n; i++) {
        loop.track(client.execute(TripstateClientOnLoop.OPEN, COMPLETED));
      }
    });
  }

  /** vertx-circuit-breaker's {@code execute} of an already completed call, default options (10 s timeout). */
  @Benchmark
  @OperationsPerInvocation(N)
  public void onLoopVertxExecute(VertxBreakerOnLoop s) {
    execute(s.loop, s.closed, true);
  }

  @Benchmark
  @OperationsPerInvocation(N)
  public void onLoopVertxExecuteNoTimeout(VertxBreakerOnLoop s) {
    execute(s.loop, s.closedNoTimeout, true);
  }

  /** vertx-circuit-breaker's {@code execute} while open: every call fails with {@code OpenCircuitException}. */
  @Benchmark
  @OperationsPerInvocation(N)
  public void onLoopVertxOpenReject(VertxBreakerOnLoop s) {
    execute(s.loop, s.open, false);
  }

  private static void execute(OnLoop harness, CircuitBreaker breaker, boolean expectSuccess) {
    harness.run(N, expectSuccess, (loop, n) -> {
      for (int i = 0; i < n; i++) {
        loop.track(breaker.execute(COMPLETED));
      }
    });
  }
}
