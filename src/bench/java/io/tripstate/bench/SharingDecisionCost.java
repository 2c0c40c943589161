package io.tripstate.bench;

import io.tripstate.BreakerClient;
import io.tripstate.BreakerVerticle;
import io.tripstate.breaker.Outcome;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Figure 5 of {@link SharingFigures}: what sharing costs a decision. Two app instances in one JVM, each a Vert.x
 * of its own on 2 event loops (the verticle on one, the load generator on the other, as {@link EventBusApi}
 * runs), on one redis-server: sharing off, and sharing on (a different key prefix). Measured alternately, off
 * then on, then on then off, ..., so that whatever else loads the machine loads both alike; each figure is the
 * median over the rounds. Bus {@code acquire} on a closed and on an open breaker with {@link Load} (1 in flight:
 * latency; 64: throughput), and {@code BreakerClient.execute} on the fast path in a plain loop on this thread
 * (ns per call, as {@code EventBusApi.directCallNs} measures).
 */
final class SharingDecisionCost {
  private static final String CLOSED = "closed";
  private static final String OPEN = "open";

  private SharingDecisionCost() {}

  /** One side: an instance with sharing off or on, its load generator and clients. */
  private static final class Side {
    final Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(2));
    final Load.Host host = new Load.Host();
    final BreakerClient fast;
    final BreakerClient bus;
    final Map<String, List<Double>> figures = new LinkedHashMap<>();

    Side(RedisServerProcess redis, boolean sharing) {
      String prefix = "decide-" + (sharing ? "on" : "off") + ":";
      JsonObject config = SharingFleet.config(redis, prefix, sharing ? "on" : "off", sharing)
          .put("breakers", new JsonObject().put(OPEN, new JsonObject().put("failureThreshold", 1)));
      vertx.deployVerticle(new BreakerVerticle(), new DeploymentOptions().setConfig(config)).await();
      vertx.deployVerticle(host).await();
      fast = BreakerClient.create(vertx, SharingFleet.API);
      bus = fast.withoutFastPath();
      bus.acquire(CLOSED).await();
      bus.record(OPEN, Outcome.FAILURE, null, null).await();
      if (bus.acquire(OPEN).await().permitted()) {
        throw new IllegalStateException("breaker 'open' permits");
      }
    }

    void add(String figure, double value) {
      figures.computeIfAbsent(figure, k -> new ArrayList<>()).add(value);
    }

    double median(String figure) {
      double[] values = figures.get(figure).stream().mapToDouble(Double::doubleValue).sorted().toArray();
      return values[values.length / 2];
    }
  }

  /** Measures both sides in {@code rounds} alternating rounds (after one unrecorded warm-up round each). */
  static void run(RedisServerProcess redis, Summary summary, boolean quick) {
    int rounds = quick ? 3 : 5;
    long warmupMs = quick ? 200 : 300;
    long measureMs = quick ? 300 : 700;
    Side off = new Side(redis, false);
    Side on = new Side(redis, true);
    try {
      for (int round = -1; round < rounds; round++) {
        List<Side> order = round % 2 == 0 ? List.of(off, on) : List.of(on, off);
        for (Side side : order) {
          measure(side, round >= 0, warmupMs, measureMs);
        }
      }
      String[][] rows = {
          {"bus acquire, closed, 1 in flight: p50 us", "%.1f"}, {"bus acquire, closed, 1 in flight: p99 us", "%.1f"},
          {"bus acquire, closed, 64 in flight: requests/s", "%,.0f"},
          {"bus acquire, open, 1 in flight: p50 us", "%.1f"}, {"bus acquire, open, 1 in flight: p99 us", "%.1f"},
          {"bus acquire, open, 64 in flight: requests/s", "%,.0f"},
          {"fast-path execute, closed: ns per call", "%.1f"}, {"fast-path execute, open (rejected): ns per call", "%.1f"}};
      for (String[] row : rows) {
        double a = off.median(row[0]);
        double b = on.median(row[0]);
        summary.row("5. decision cost: " + row[0], String.format(row[1], a), String.format(row[1], b),
            String.format("on/off %.2f; rounds off %s, on %s", b / a, spread(off, row[0]), spread(on, row[0])));
      }
    } finally {
      off.vertx.close().await();
      on.vertx.close().await();
    }
  }

  private static String spread(Side side, String figure) {
    double[] values = side.figures.get(figure).stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return String.format(values[0] >= 1_000 ? "%,.0f-%,.0f" : "%.1f-%.1f", values[0], values[values.length - 1]);
  }

  private static void measure(Side side, boolean record, long warmupMs, long measureMs) {
    Load.Result closed1 = Load.run(side.host, 1, warmupMs, measureMs, () -> side.bus.acquire(CLOSED));
    Load.Result closed64 = Load.run(side.host, 64, warmupMs, measureMs, () -> side.bus.acquire(CLOSED));
    Load.Result open1 = Load.run(side.host, 1, warmupMs, measureMs, () -> side.bus.acquire(OPEN));
    Load.Result open64 = Load.run(side.host, 64, warmupMs, measureMs, () -> side.bus.acquire(OPEN));
    double fastClosed = fastPathNs(side.fast, CLOSED, warmupMs, measureMs);
    double fastOpen = fastPathNs(side.fast, OPEN, warmupMs, measureMs);
    if (closed1.errors() + closed64.errors() + open1.errors() + open64.errors() > 0) {
      throw new IllegalStateException("an acquire failed");
    }
    if (!record) {
      return;
    }
    side.add("bus acquire, closed, 1 in flight: p50 us", closed1.p50Ns() / 1e3);
    side.add("bus acquire, closed, 1 in flight: p99 us", closed1.p99Ns() / 1e3);
    side.add("bus acquire, closed, 64 in flight: requests/s", closed64.perSecond());
    side.add("bus acquire, open, 1 in flight: p50 us", open1.p50Ns() / 1e3);
    side.add("bus acquire, open, 1 in flight: p99 us", open1.p99Ns() / 1e3);
    side.add("bus acquire, open, 64 in flight: requests/s", open64.perSecond());
    side.add("fast-path execute, closed: ns per call", fastClosed);
    side.add("fast-path execute, open (rejected): ns per call", fastOpen);
  }

  /**
   * {@code execute} of an already completed call on this thread, in blocks of 100,000 for {@code warmupMs},
   * then timed for {@code measureMs}; awaited only when not complete (the outcome queue full: back-pressure).
   */
  private static double fastPathNs(BreakerClient client, String name, long warmupMs, long measureMs) {
    Supplier<Future<String>> completed = () -> Future.succeededFuture("ok");
    long sink = 0;
    long deadline = System.nanoTime() + warmupMs * 1_000_000;
    while (System.nanoTime() < deadline) {
      sink += block(client, name, completed);
    }
    long calls = 0;
    long start = System.nanoTime();
    deadline = start + measureMs * 1_000_000;
    long now;
    do {
      sink += block(client, name, completed);
      calls += 100_000;
      now = System.nanoTime();
    } while (now < deadline);
    if (sink == 42) {
      System.out.println(Arrays.toString(new long[] {sink}));
    }
    return (now - start) / (double) calls;
  }

  private static long block(BreakerClient client, String name, Supplier<Future<String>> completed) {
    long sink = 0;
    for (int i = 0; i < 100_000; i++) {
      Future<String> execution = client.execute(name, completed);
      if (!execution.isComplete()) {
        execution.await();
      }
      sink += execution.succeeded() ? 1 : 2;
    }
    return sink;
  }
}
