package io.tripstate.bench;

import io.vertx.circuitbreaker.CircuitBreaker;
import io.vertx.circuitbreaker.CircuitBreakerOptions;
import io.vertx.core.Vertx;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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
import org.openjdk.jmh.annotations.Threads;

/**
 * The 2-thread rows of the thread-safe breakers on event loops: two JMH threads, each driving its own
 * {@link OnLoop} on its own event loop, share one breaker. vertx-circuit-breaker and Resilience4j only:
 * tripstate's {@code Breaker} is confined to one loop by design, and its client's 2-thread row is
 * {@code tripstateFastPathExecute2Threads} (the verticle needs a loop of its own, and this machine has 2 cores).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class OnTwoLoopsBenchmark {
  private static final int N = OnLoopBenchmark.N;

  /** One Vert.x with 2 event loops and the shared breakers; checks at the end that the two loops differed. */
  @State(Scope.Benchmark)
  public static class Shared {
    Vertx vertx;
    CircuitBreaker vertxClosed;
    io.github.resilience4j.circuitbreaker.CircuitBreaker resilience4jClosed;
    final Set<OnLoop> loops = ConcurrentHashMap.newKeySet();

    @Setup(Level.Trial)
    public void setUp() {
      vertx = OnLoop.vertx();
      vertxClosed = CircuitBreaker.create("closed", vertx, new CircuitBreakerOptions());
      resilience4jClosed = DecisionCoreBenchmark.Resilience4j.breaker("closed", false);
    }

    /** Here rather than in {@link Loop}: JMH may tear this state down first, and the reports need Vert.x. */
    @TearDown(Level.Trial)
    public void tearDown() {
      loops.forEach(loop -> System.out.println(loop.report("two loops")));
      long threads = loops.stream().map(OnLoop::thread).distinct().count();
      vertx.close().await();
      if (loops.size() != 2 || threads != 2) {
        throw new IllegalStateException("expected two harnesses on two event loops, got " + loops.size()
            + " on " + threads);
      }
    }
  }

  /** Each JMH thread's own harness, on a context of its own (Vert.x hands out its loops in turn). */
  @State(Scope.Thread)
  public static class Loop {
    OnLoop loop;

    @Setup(Level.Trial)
    public void setUp(Shared shared) {
      loop = OnLoop.start(shared.vertx);
      shared.loops.add(loop);
    }
  }

  /** Resilience4j's pair from two loops at once: the anchor of the row below. */
  @Benchmark
  @Threads(2)
  @OperationsPerInvocation(N)
  public void twoLoopsResilience4jPair(Shared s, Loop l) {
    io.github.resilience4j.circuitbreaker.CircuitBreaker breaker = s.resilience4jClosed;
    l.loop.run(N, true, (loop, n) -> {
      for (int i = 0; i < n; i++) {
        boolean permitted = breaker.tryAcquirePermission();
        breaker.onSuccess(0, TimeUnit.NANOSECONDS);
        loop.count(permitted);
      }
    });
  }

  /** vertx-circuit-breaker's {@code execute} of a completed call (default options) from two loops at once. */
  @Benchmark
  @Threads(2)
  @OperationsPerInvocation(N)
  public void twoLoopsVertxExecute(Shared s, Loop l) {
    CircuitBreaker breaker = s.vertxClosed;
    l.loop.run(N, true, (loop, n) -> {
      for (int i = 0; i < n; i++) {
        loop.track(breaker.execute(OnLoopBenchmark.COMPLETED));
      }
    });
  }
}
