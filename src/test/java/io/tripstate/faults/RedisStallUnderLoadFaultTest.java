package io.tripstate.faults;

import static io.tripstate.support.Bus.eventually;

import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.lang.management.ManagementFactory;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.assertj.core.api.SoftAssertions;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Redis stalled (SIGSTOP) for 5 s while clients keep opening and resetting 50 breakers with several requests
 * in flight: no reply waits on Redis, at most one write is pending per breaker, memory does not grow with the
 * transitions, and afterwards Redis holds exactly the newest snapshot of every breaker. Default timings.
 */
@ExtendWith(VertxExtension.class)
class RedisStallUnderLoadFaultTest {
  private static final int BREAKERS = 50;
  private static final int CLIENTS = 8;
  private static final long STALL_MS = 5_000;
  private static final long MAX_CYCLES = 2_000_000;
  @AutoClose
  private final RedisServerProcess redis = RedisServerProcess.start();


  @Test
  void aStallUnderLoadDelaysNoReplyHoldsOneWritePerBreakerAndEndsWithTheNewestSnapshots(Vertx vertx)
      throws InterruptedException {
    FaultDeployment.warmUp(vertx, redis);
    try (FaultDeployment app = FaultDeployment.deploy(vertx, redis, FaultDeployment.config(redis), Clock.systemUTC())) {
      // Given clients that keep failing (2 failures open) and resetting every breaker, 8 requests in flight
      Load load = new Load(app);
      load.warmUp();
      double warmUpLagMs = app.probe.endPhase();
      load.start();
      FaultDeployment.sleep(1_000);
      JsonObject beforeStall = app.persistence();
      double loadLagMs = app.probe.endPhase();

      // When Redis stalls for 5 s under that load
      AtomicInteger pendingMax = new AtomicInteger();
      AtomicBoolean polling = new AtomicBoolean(true);
      redis.pause();
      load.stalled = true;
      long stallStarted = System.nanoTime();
      Thread poller = new Thread(() -> {
        while (polling.get()) {
          pendingMax.accumulateAndGet(app.persistence().getInteger("pending_writes"), Math::max);
          FaultDeployment.sleep(50);
        }
      }, "pending-writes-poller");
      poller.start();
      FaultDeployment.sleep(1_000);
      double stallLagMs = app.probe.endPhase();
      long cyclesEarly = load.cycles.get();
      long heapEarly = heapAfterGc();
      double gcLagMs = app.probe.endPhase(); // the forced GC stops every thread: reported apart
      FaultDeployment.sleep(STALL_MS - 300 - elapsedMs(stallStarted));
      stallLagMs = Math.max(stallLagMs, app.probe.endPhase());
      long cyclesLate = load.cycles.get();
      long heapLate = heapAfterGc();
      gcLagMs = Math.max(gcLagMs, app.probe.endPhase());
      FaultDeployment.sleep(STALL_MS - elapsedMs(stallStarted));
      polling.set(false);
      poller.join();
      JsonObject duringStall = app.persistence();
      redis.resume();
      load.stalled = false;
      long stallMs = elapsedMs(stallStarted);
      FaultDeployment.sleep(1_000);
      load.stop();
      stallLagMs = Math.max(stallLagMs, app.probe.endPhase());

      // Then, once the load stopped and nothing is pending, Redis holds exactly what status replies
      long drained = System.nanoTime();
      eventually(() -> app.persistence().getInteger("pending_writes") == 0, "nothing pending after the stall");
      long drainMs = elapsedMs(drained);
      app.awaitRedisHoldsEverySnapshot(2_000);
      JsonObject after = app.persistence();
      long heapTransitions = 2 * (cyclesLate - cyclesEarly);
      System.out.printf("[faults] stall under load: %d ms stall; %d requests, %d transitions (%d during the stall); "
              + "slowest reply %.2f ms during the stall, %.2f ms overall; pending_writes max %d during the stall "
              + "(%d breakers); heap after GC %.1f MB -> %.1f MB (%+.1f KB over %d transitions); drained %d ms after "
              + "the load stopped; failed_writes %d before the stall (Redis healthy), %d at its end, %d in all; "
              + "lag: deploy+warm-up %.1f, load %.1f, stall+recovery %.1f, forced GC %.1f ms; %s%n",
          stallMs, load.requests.get(), 2 * load.cycles.get(), 2 * load.cyclesDuringStall.get(),
          load.slowestStalledNanos.get() / 1e6, load.slowestNanos.get() / 1e6, pendingMax.get(), BREAKERS,
          heapEarly / 1e6, heapLate / 1e6, (heapLate - heapEarly) / 1e3, heapTransitions, drainMs,
          beforeStall.getLong("failed_writes"), duringStall.getLong("failed_writes"), after.getLong("failed_writes"),
          warmUpLagMs, loadLagMs, stallLagMs, gcLagMs, app.probe.summary());

      SoftAssertions soft = new SoftAssertions();
      soft.assertThat(load.failure.get()).as("a request failed").isNull();
      soft.assertThat(load.cyclesDuringStall.get()).as("transition cycles during the stall").isGreaterThan(1_000);
      soft.assertThat(load.slowestStalledNanos.get() / 1e6).as("slowest reply during the stall, ms").isLessThan(1_000);
      soft.assertThat(Math.max(loadLagMs, stallLagMs)).as("worst event-loop lag under load and stall, ms")
          .isLessThan(500);
      // Memory: one waiting snapshot per breaker at most, so nothing grows with the transitions
      soft.assertThat(heapLate - heapEarly).as("heap growth over %d transitions during the stall", heapTransitions)
          .isLessThan(4_000_000L);
      soft.assertThat(pendingMax.get()).as("pending_writes during the stall, %d breakers", BREAKERS)
          .isBetween(1, BREAKERS);
      soft.assertThat(beforeStall.getLong("failed_writes")).as("writes failed while Redis was healthy").isZero();
      soft.assertAll();
    }
  }

  private static long elapsedMs(long startedNanos) {
    return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - startedNanos);
  }

  private static long heapAfterGc() {
    System.gc();
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  /** Clients that each own every 8th breaker and cycle it: failure, failure (opens), reset (closes). */
  private static final class Load {
    final AtomicLong requests = new AtomicLong();
    final AtomicLong cycles = new AtomicLong();
    final AtomicLong cyclesDuringStall = new AtomicLong();
    final AtomicLong slowestNanos = new AtomicLong();
    final AtomicLong slowestStalledNanos = new AtomicLong();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    volatile boolean stalled;
    private final FaultDeployment app;
    private final List<Thread> threads = new ArrayList<>();
    private volatile boolean running = true;

    Load(FaultDeployment app) {
      this.app = app;
    }

    /** A few cycles on every breaker, so that the first-use class loading is not measured as load. */
    void warmUp() {
      for (int b = 0; b < BREAKERS; b++) {
        app.record("loaded-" + b, "failure");
        app.record("loaded-" + b, "failure");
        app.send("reset", "loaded-" + b);
      }
    }

    void start() {
      for (int client = 0; client < CLIENTS; client++) {
        int first = client;
        Thread thread = new Thread(() -> run(first), "load-" + client);
        threads.add(thread);
        thread.start();
      }
    }

    void stop() throws InterruptedException {
      running = false;
      for (Thread thread : threads) {
        thread.join(10_000);
      }
    }

    private void run(int first) {
      try {
        for (int b = first; running && cycles.get() < MAX_CYCLES; b = b + CLIENTS >= BREAKERS ? first : b + CLIENTS) {
          String name = "loaded-" + b;
          boolean duringStall = stalled;
          timed(new JsonObject().put("name", name).put("outcome", "failure"), "record");
          timed(new JsonObject().put("name", name).put("outcome", "failure"), "record");
          timed(new JsonObject().put("name", name), "reset");
          cycles.incrementAndGet();
          if (duringStall && stalled) {
            cyclesDuringStall.incrementAndGet();
          }
          // Paced: a load that saturates both cores of a small machine measures the scheduler, not the loop.
          Thread.sleep(1);
        }
      } catch (Throwable e) {
        failure.compareAndSet(null, e);
      }
    }

    private void timed(JsonObject body, String action) {
      boolean duringStall = stalled;
      long sent = System.nanoTime();
      app.bus.send(action, body);
      long took = System.nanoTime() - sent;
      requests.incrementAndGet();
      slowestNanos.accumulateAndGet(took, Math::max);
      if (duringStall) {
        slowestStalledNanos.accumulateAndGet(took, Math::max);
      }
    }
  }
}
