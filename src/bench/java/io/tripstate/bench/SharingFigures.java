package io.tripstate.bench;

import static java.util.concurrent.TimeUnit.SECONDS;

import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.awaitility.Awaitility;

/**
 * The figures of the sharing issue, measured side by side in one run on one private redis-server, app instances
 * being Vert.x instances in this JVM ({@link SharingFleet}): (1) propagation, from a transition on one instance
 * to the last other one rejecting; (2) Redis commands/s and redis-server CPU with 10 instances x 10,000 shared
 * breakers, idle and under 100 transitions/s ({@link SharingIdleCost}); (3) trials per half-open period with 1
 * and 3 instances; (4) Redis commands per transition, sharing off and on; (5) decision cost, sharing off and on
 * ({@link SharingDecisionCost}). Writes {@code SharingFigures.md}. {@code --quick}: fewer transitions and
 * periods, shorter windows (said in the table's title); the same figures, noisier.
 *
 * <p>tripstate's INFO logs (one line per transition, per instance) are turned off here: printing tens of
 * thousands of lines would cost more than what is measured.
 */
public final class SharingFigures {
  /** Held so that the level set on it stays (JUL keeps loggers weakly). */
  private static final Logger TRIPSTATE_LOGS = Logger.getLogger("io.tripstate");

  private SharingFigures() {}

  public static void main(String[] args) {
    TRIPSTATE_LOGS.setLevel(Level.WARNING);
    boolean quick = Summary.quick(args);
    int transitions = quick ? 200 : 1_000;
    int periods = quick ? 20 : 50;
    int paced = quick ? 100 : 500;
    String loadBefore = loadAverage();
    Summary summary = new Summary("SharingFigures", "Sharing across instances (one JVM, "
        + Runtime.getRuntime().availableProcessors() + " cores, private redis-server, instances = Vert.x "
        + "instances" + (quick ? "; --quick: 200 transitions, 10 s windows, 20 periods: noisier, not the full "
        + "run's sample sizes" : "") + ")", "figure", "sharing off", "sharing on", "target / notes");
    try (RedisServerProcess redis = RedisServerProcess.start()) {
      System.out.println("redis-server " + RedisServerProcess.binaryDescription() + ", load " + loadBefore);
      propagation(redis, summary, transitions, quick ? 20 : 100);
      SharingIdleCost.run(redis, summary, quick);
      trials(redis, summary, 1, periods);
      trials(redis, summary, 3, periods);
      commandsPerTransition(redis, summary, paced);
      SharingDecisionCost.run(redis, summary, quick);
    }
    summary.note("Load average (1, 5, 15 min) before: " + loadBefore + "; after: " + loadAverage() + ". Defaults "
        + "everywhere (resyncMs 10000, heartbeatMs 5000, openQuorum 1) except `history.maxEntries: 0`, so that "
        + "the commands counted are sharing's and persistence's alone (history adds one EVALSHA per transition on "
        + "the writer, with sharing on or off). Commands are round trips: `INFO commandstats` deltas of the "
        + "commands tripstate sends (the commands its Lua scripts run inside are counted by Redis but left out); "
        + "CPU is redis-server's `used_cpu_sys` + `used_cpu_user` delta over the window.");
    summary.write();
    System.exit(0);
  }

  /**
   * 3 instances; a force_open on i0, then a reset, repeated: per transition the time from sending it to the
   * last of i1, i2 publishing it on its local transitions address (its breaker changed: the fast-path view
   * is current before that), then an acquire on each that must be rejected (open) or permitted (closed).
   */
  private static void propagation(RedisServerProcess redis, Summary summary, int n, int warmup) {
    try (SharingFleet fleet = new SharingFleet(redis).start(3, 2, true, config -> { })) {
      String name = "propagation";
      AtomicReference<Watch> watch = new AtomicReference<>();
      for (int i = 1; i < fleet.size(); i++) {
        int member = i;
        fleet.get(i).eventBus().<JsonObject>consumer(SharingFleet.TRANSITIONS, message -> {
          Watch current = watch.get();
          JsonObject event = message.body();
          if (current != null && name.equals(event.getString("name")) && current.to.equals(event.getString("to"))
              && "i0".equals(event.getString("origin"))) {
            current.arrived(member - 1);
          }
        }).completion().await();
      }
      fleet.send(0, "force_open", new JsonObject().put("name", name));
      fleet.send(0, "reset", new JsonObject().put("name", name));
      long[] open = new long[n];
      long[] close = new long[n];
      int wrong = 0;
      for (int i = -warmup; i < n; i++) {
        long opened = transition(fleet, watch, "force_open", "forced_open", name);
        wrong += confirm(fleet, name, false);
        long closed = transition(fleet, watch, "reset", "closed", name);
        wrong += confirm(fleet, name, true);
        if (i >= 0) {
          open[i] = opened;
          close[i] = closed;
        }
      }
      String note = n + " each after " + warmup + " unrecorded; " + (wrong == 0 ? "every" : (2 * n - wrong) + " of"
          + " 2 x " + n) + " confirming acquire agreed";
      summary.row("1. propagation, force_open on 1 of 3 -> last other instance rejects: p50 / p99 / max ms", "-",
          percentiles(open), "p99 < 10 ms on loopback; " + note);
      summary.row("1. propagation, reset -> last other instance permits: p50 / p99 / max ms", "-",
          percentiles(close), "");
    }
  }

  /** The instances that published one transition, and when. */
  private static final class Watch {
    final String to;
    final long[] at = new long[2];
    final CountDownLatch all = new CountDownLatch(2);

    Watch(String to) {
      this.to = to;
    }

    void arrived(int member) {
      if (at[member] == 0) {
        at[member] = System.nanoTime();
        all.countDown();
      }
    }
  }

  private static long transition(SharingFleet fleet, AtomicReference<Watch> watch, String action, String to,
      String name) {
    Watch current = new Watch(to);
    watch.set(current);
    long sent = System.nanoTime();
    fleet.send(0, action, new JsonObject().put("name", name));
    try {
      if (!current.all.await(10, SECONDS)) {
        throw new IllegalStateException("'" + to + "' did not reach every instance within 10 s");
      }
    } catch (InterruptedException e) {
      throw new IllegalStateException(e);
    }
    return Math.max(current.at[0], current.at[1]) - sent;
  }

  /** Acquires on i1 and i2; the number that disagree with {@code permitted}. */
  private static int confirm(SharingFleet fleet, String name, boolean permitted) {
    int wrong = 0;
    for (int i = 1; i < fleet.size(); i++) {
      if (fleet.send(i, "acquire", new JsonObject().put("name", name)).getBoolean("permitted") != permitted) {
        wrong++;
      }
    }
    return wrong;
  }

  private static String percentiles(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return String.format("%.2f / %.2f / %.2f", sorted[sorted.length / 2] / 1e6,
        sorted[Math.min(sorted.length - 1, (int) (sorted.length * 0.99))] / 1e6, sorted[sorted.length - 1] / 1e6);
  }

  /**
   * {@code instances} instances; a breaker with {@code halfOpenMaxCalls: 3}, open for 200 ms. Per period: wait
   * until the open time is up everywhere (and no trial lease is held), send 30 acquires at once to every
   * instance, count the trials permitted, fail them (the breaker reopens everywhere), and wait until every
   * instance holds that reopen.
   */
  private static void trials(RedisServerProcess redis, Summary summary, int instances, int periods) {
    String name = "trial";
    try (SharingFleet fleet = new SharingFleet(redis).start(instances, 2, true, config -> config.put("breakers",
        new JsonObject().put(name, new JsonObject().put("failureThreshold", 1).put("resetTimeoutMs", 200)
            .put("halfOpenMaxCalls", 3).put("successThreshold", 3).put("permitTimeoutMs", 2_000))))) {
      fleet.send(0, "record", new JsonObject().put("name", name).put("outcome", "failure"));
      Map<Integer, Integer> histogram = new TreeMap<>();
      List<String> odd = new ArrayList<>();
      for (int period = 0; period < periods; period++) {
        await("the open time is up everywhere", () -> redis.command("PTTL", fleet.prefix + name + ":trial")
            .equals("-2") && allMatch(fleet, i -> fleet.send(i, "status", new JsonObject().put("name", name))
                .getLong("retry_after_ms", 1L) == 0L));
        List<Future<JsonObject>> replies = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
          int member = i;
          for (int k = 0; k < 30; k++) {
            replies.add(fleet.request(i, "acquire", new JsonObject().put("name", name))
                .map(reply -> reply.put("member", member)));
          }
        }
        Future.all(replies).timeout(30, SECONDS).await();
        List<JsonObject> permitted = replies.stream().map(Future::result).filter(r -> r.getBoolean("permitted"))
            .toList();
        histogram.merge(permitted.size(), 1, Integer::sum);
        if (permitted.size() != 3 && odd.size() < 3) {
          Map<Integer, Integer> perInstance = new TreeMap<>();
          permitted.forEach(trial -> perInstance.merge(trial.getInteger("member"), 1, Integer::sum));
          odd.add("period " + period + ": trials per instance " + perInstance);
        }
        int reopenedOn = permitted.isEmpty() ? 0 : permitted.get(0).getInteger("member");
        List<Future<JsonObject>> failed = new ArrayList<>();
        for (JsonObject trial : permitted) {
          // After the first failure reopens, the other trials' permits are stale: refused (409), as they should.
          failed.add(fleet.request(trial.getInteger("member"), "record", new JsonObject().put("name", name)
              .put("outcome", "failure").put("permit", trial.getString("permit"))));
        }
        Future.join(failed).transform(done -> Future.succeededFuture()).timeout(30, SECONDS).await();
        long version = fleet.send(reopenedOn, "status", new JsonObject().put("name", name)).getLong("version");
        await("every instance holds the reopen", () -> allMatch(fleet, i -> fleet.send(i, "status",
            new JsonObject().put("name", name)).getLong("version") >= version));
      }
      summary.row("3. trials per half-open period, " + instances + " instance" + (instances > 1 ? "s" : "")
          + " x 30 concurrent acquires (halfOpenMaxCalls 3)", "-", "trials: periods = " + histogram,
          periods + " periods; target: 3 in every period" + (odd.isEmpty() ? "" : "; " + String.join("; ", odd)));
    }
  }

  private static boolean allMatch(SharingFleet fleet, java.util.function.IntPredicate check) {
    for (int i = 0; i < fleet.size(); i++) {
      if (!check.test(i)) {
        return false;
      }
    }
    return true;
  }

  private static void await(String what, java.util.concurrent.Callable<Boolean> condition) {
    Awaitility.await(what).atMost(Duration.ofSeconds(30)).pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(5)).pollInSameThread().until(condition);
  }

  /**
   * Paced transitions on i0 (force_open, 5 ms, reset, 5 ms), counted with {@code INFO commandstats}: sharing off
   * (1 instance), on with 1 instance, on with 3 (their reads included). The 1.5 s after the last one, and the
   * heartbeats meanwhile, are counted too.
   */
  private static void commandsPerTransition(RedisServerProcess redis, Summary summary, int ops) {
    String off = commands(redis, 1, false, ops);
    summary.row("4. Redis round trips per transition (" + 2 * ops + " paced transitions on one instance)", off,
        "1 instance: " + commands(redis, 1, true, ops) + "; 3 instances: " + commands(redis, 3, true, ops),
        "per command; sharing adds the announce (XADD) and one XREAD per instance (the writer's reader wakes "
            + "for its own entry too)");
  }

  private static String commands(RedisServerProcess redis, int instances, boolean sharing, int ops) {
    try (SharingFleet fleet = new SharingFleet(redis).start(instances, 2, sharing, config -> { })) {
      JsonObject body = new JsonObject().put("name", "paced");
      fleet.send(0, "force_open", body);
      fleet.send(0, "reset", body);
      SharingFleet.sleep(1_000);
      SharingFleet.ServerStats before = SharingFleet.ServerStats.of(redis);
      for (int i = 0; i < ops; i++) {
        fleet.send(0, "force_open", body);
        SharingFleet.sleep(5);
        fleet.send(0, "reset", body);
        SharingFleet.sleep(5);
      }
      SharingFleet.sleep(1_500);
      Map<String, Long> calls = SharingFleet.ServerStats.of(redis).since(before);
      StringBuilder text = new StringBuilder(String.format("%.2f", SharingFleet.total(calls) / (2.0 * ops)));
      calls.forEach((command, count) -> text.append(String.format(" %s %.2f", command, count / (2.0 * ops))));
      return text.toString();
    }
  }

  private static String loadAverage() {
    try {
      String[] parts = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return parts[0] + " " + parts[1] + " " + parts[2];
    } catch (java.io.IOException e) {
      return "unknown";
    }
  }
}
