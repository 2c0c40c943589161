package io.tripstate.bench;

import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.awaitility.Awaitility;

/**
 * Figure 2 of {@link SharingFigures}: what sharing costs Redis. 10 instances (one event loop each) with the
 * default {@code resyncMs} and {@code heartbeatMs}; Redis round trips per second and redis-server CPU over a
 * window, first with no breakers, then with 10,000 shared breakers every instance knows (written to Redis
 * first, then restored by each instance at its start), idle, then under 100 transitions/s spread over the
 * instances and breakers. From these, what 100 instances would cost, on paper.
 */
final class SharingIdleCost {
  private static final int INSTANCES = 10;
  private static final int BREAKERS = 10_000;
  private static final int RATE = 100;

  private SharingIdleCost() {}

  /** What one window cost: round trips per command, its length, redis-server CPU seconds. */
  private record Window(Map<String, Long> calls, double seconds, double cpuSeconds, long transitions) {
    double perSecond() {
      return SharingFleet.total(calls) / seconds;
    }

    double cpuShare() {
      return cpuSeconds / seconds;
    }

    double rate(String command) {
      return calls.getOrDefault(command, 0L) / seconds;
    }

    String describe() {
      StringBuilder text = new StringBuilder(String.format("%.2f/s per instance (", perSecond() / INSTANCES));
      calls.forEach((command, count) -> text.append(String.format("%s %.2f, ", command, count / seconds / INSTANCES)));
      return text.substring(0, text.length() - 2) + String.format("); all: %.1f/s; redis CPU %.2f%% of a core",
          perSecond(), 100 * cpuShare());
    }
  }

  static void run(RedisServerProcess redis, Summary summary, boolean quick) {
    long windowMs = quick ? 10_000 : 30_000;
    Window empty;
    try (SharingFleet fleet = new SharingFleet(redis).start(INSTANCES, 1, true, config -> { })) {
      SharingFleet.sleep(2_000); // every instance's first heartbeat and read are out
      empty = idle(redis, windowMs / 3);
    }
    String prefix = "idle:";
    long created = System.nanoTime();
    write(redis, prefix);
    try (SharingFleet fleet = new SharingFleet(redis, prefix).start(INSTANCES, 1, true, config -> { })) {
      long createdMs = (System.nanoTime() - created) / 1_000_000;
      if (!knowAll(fleet)) {
        throw new IllegalStateException("an instance did not restore all " + BREAKERS + " breakers");
      }
      SharingFleet.sleep(2_000);
      Window idle = idle(redis, windowMs);
      Window loaded = loaded(fleet, redis, windowMs);
      summary.row("2. idle, " + INSTANCES + " instances x no breakers", "-", empty.describe(),
          "over " + windowMs / 3_000 + " s");
      summary.row("2. idle, " + INSTANCES + " instances x " + String.format("%,d", BREAKERS) + " shared breakers",
          "-", idle.describe(), "over " + windowMs / 1_000 + " s; target: no growth with breakers (written, then "
          + "restored by each instance, in " + createdMs / 1_000 + " s)");
      summary.row("2. " + RATE + " transitions/s, same fleet", "-", loaded.describe() + String.format(
          "; %.2f round trips per transition", (SharingFleet.total(loaded.calls) - idle.perSecond()
          * loaded.seconds) / loaded.transitions), loaded.transitions + " transitions in " + windowMs / 1_000 + " s");
      onPaper(summary, idle, loaded);
    }
  }

  /**
   * The breakers' snapshots, written by one instance with sharing off (a force_open and a reset each): a burst
   * of transitions on distinct breakers with sharing on overflows the Redis client's pool with announces
   * (docs/BENCHMARKS.md), and what is measured here is the idle cost of knowing them, not making them.
   */
  private static void write(RedisServerProcess redis, String prefix) {
    try (SharingFleet writer = new SharingFleet(redis, prefix).start(1, 1, false, config -> { })) {
      writer.sendAll(BREAKERS, 64, i -> writer.request(0, "force_open", body(i))
          .compose(r -> writer.request(0, "reset", body(i))));
      Awaitility.await("every snapshot written").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(500))
          .pollInSameThread().until(() -> writer.send(0, "status", new JsonObject()).getJsonObject("persistence")
              .getInteger("pending_writes") == 0);
    }
  }

  private static JsonObject body(int i) {
    return new JsonObject().put("name", "b" + i);
  }

  private static boolean knowAll(SharingFleet fleet) {
    for (int i = 0; i < fleet.size(); i++) {
      if (fleet.send(i, "status", new JsonObject()).getJsonArray("breakers").size() < BREAKERS) {
        return false;
      }
    }
    return true;
  }

  private static Window idle(RedisServerProcess redis, long ms) {
    SharingFleet.ServerStats before = SharingFleet.ServerStats.of(redis);
    SharingFleet.sleep(ms);
    SharingFleet.ServerStats after = SharingFleet.ServerStats.of(redis);
    return new Window(after.since(before), after.seconds(before), after.cpuSince(before), 0);
  }

  /**
   * {@link #RATE} transitions/s for {@code ms}, paced from this thread: pairs of force_open and reset of one
   * breaker on one instance, the next pair on the next instance and breaker.
   */
  private static Window loaded(SharingFleet fleet, RedisServerProcess redis, long ms) {
    List<Future<JsonObject>> sent = new ArrayList<>();
    long periodNs = 1_000_000_000L / RATE;
    SharingFleet.ServerStats before = SharingFleet.ServerStats.of(redis);
    long start = System.nanoTime();
    for (int j = 0; j < RATE * ms / 1_000; j++) {
      LockSupport.parkNanos(start + j * periodNs - System.nanoTime());
      int pair = j / 2;
      sent.add(fleet.request(pair % INSTANCES, j % 2 == 0 ? "force_open" : "reset", body(pair % BREAKERS)));
    }
    LockSupport.parkNanos(start + ms * 1_000_000 - System.nanoTime());
    SharingFleet.ServerStats after = SharingFleet.ServerStats.of(redis);
    Future.join(new ArrayList<>(sent)).transform(done -> Future.succeededFuture()).timeout(60, TimeUnit.SECONDS)
        .await();
    long ok = sent.stream().filter(Future::succeeded).count();
    return new Window(after.since(before), after.seconds(before), after.cpuSince(before), ok);
  }

  /**
   * 100 instances, extrapolated: each instance's idle round trips stay what they are (a heartbeat, a blocking
   * read per 5 s, a resync per 10 s); per transition, the writer's round trips stay, and every instance's reader
   * wakes for it (the writer's own too: one stream), as measured with 10. CPU: what redis-server used idle with
   * 10 instances (mostly its own timers) plus, per further round trip, what one cost under load here.
   */
  private static void onPaper(Summary summary, Window idle, Window loaded) {
    int n = 100;
    double idlePerInstance = idle.perSecond() / INSTANCES;
    double xreadPerTransitionPerInstance = (loaded.rate("xread") - idle.rate("xread")) * loaded.seconds
        / loaded.transitions / INSTANCES;
    double writerPerTransition = ((loaded.perSecond() - loaded.rate("xread")) - (idle.perSecond()
        - idle.rate("xread"))) * loaded.seconds / loaded.transitions;
    double cpuPerTrip = (loaded.cpuShare() - idle.cpuShare()) / (loaded.perSecond() - idle.perSecond());
    double idleAll = n * idlePerInstance;
    double loadedAll = idleAll + RATE * (writerPerTransition + n * xreadPerTransitionPerInstance);
    double idleCpu = idle.cpuShare() + (idleAll - idle.perSecond()) * cpuPerTrip;
    double loadedCpu = idleCpu + (loadedAll - idleAll) * cpuPerTrip;
    summary.row("2. on paper (extrapolated, not measured): 100 instances, idle", "-",
        String.format("%.0f round trips/s; redis CPU ~%.1f%% of a core", idleAll, 100 * idleCpu),
        String.format("%.2f/s per instance x 100; the heartbeat script reads every instance's field, so its cost "
            + "per call grows with the count", idlePerInstance));
    summary.row("2. on paper (extrapolated, not measured): 100 instances, " + RATE + " transitions/s", "-",
        String.format("%,.0f round trips/s; redis CPU ~%.0f%% of a core", loadedAll, 100 * loadedCpu),
        String.format("per transition: %.2f by the writer + %.2f XREAD x 100 readers; %.1f us redis CPU per round "
            + "trip (measured at 10 instances under load)", writerPerTransition, xreadPerTransitionPerInstance,
            1e6 * cpuPerTrip));
  }
}
