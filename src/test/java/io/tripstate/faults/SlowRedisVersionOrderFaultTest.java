package io.tripstate.faults;

import static io.tripstate.support.Bus.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.support.MutableClock;
import io.tripstate.support.RedisServerProcess;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AutoClose;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * 1,000 rapid transitions of one breaker while Redis answers slowly: another connection keeps it busy with
 * {@code DEBUG SLEEP 0.05}, longer than the 25 ms command timeout, so writes time out here, are retried, and
 * the timed-out ones still run on Redis later, possibly after newer ones. MONITOR shows what Redis executed:
 * every write is based on the version it last saw (compare-and-set), so the versions the script actually SET
 * grow by exactly one each, and the last one is the final state.
 */
@ExtendWith(VertxExtension.class)
class SlowRedisVersionOrderFaultTest {
  private static final int TRANSITIONS = 1_000;
  private final MutableClock clock = MutableClock.startingNow();
  @AutoClose
  private final RedisServerProcess redis = RedisServerProcess.start();


  @Test
  void rapidTransitionsOnASlowRedisEndWithTheFinalStateAndOnlyGrowingVersions(Vertx vertx) throws InterruptedException {
    FaultDeployment.warmUp(vertx, redis);
    JsonObject config = FaultDeployment.config(redis)
        .put("defaults", new JsonObject().put("failureThreshold", 1).put("resetTimeoutMs", 60_000));
    config.getJsonObject("persistence").put("commandTimeoutMs", 25).put("retryMs", 50);
    try (FaultDeployment app = FaultDeployment.deploy(vertx, redis, config, clock);
         RedisMonitor monitor = RedisMonitor.attach(redis.port())) {
      app.record("warm-up", "failure");
      app.send("reset", "warm-up");
      app.awaitRedisHoldsEverySnapshot(10_000);
      double warmUpLagMs = app.probe.endPhase();
      app.endReplyPhase();

      // Given a Redis that sleeps 50 ms at a time, with 5 ms breaks
      AtomicBoolean slow = new AtomicBoolean(true);
      AtomicInteger sleeps = new AtomicInteger();
      Thread sleeper = new Thread(() -> {
        while (slow.get()) {
          redis.command("DEBUG", "SLEEP", "0.05");
          sleeps.incrementAndGet();
          FaultDeployment.sleep(5);
        }
      }, "redis-sleeper");
      sleeper.start();

      // When one breaker opens and closes 500 times each, as fast as the replies come (a 1 ms break every 2)
      long started = System.nanoTime();
      for (int i = 0; i < TRANSITIONS / 2; i++) {
        assertThat(app.record("hammered", "failure").getString("state")).isEqualTo("open");
        app.send("reset", "hammered");
        FaultDeployment.sleep(1);
      }
      long hammeredMs = (System.nanoTime() - started) / 1_000_000;
      slow.set(false);
      sleeper.join();
      JsonObject last = app.bus.status("hammered");

      // Then Redis ends with the final state, and the versions the script SET grew by exactly one each
      long landedMs = app.awaitRedisHoldsEverySnapshot(10_000);
      String key = app.key("hammered");
      eventually(() -> setVersions(monitor, key).contains(last.getLong("version")), "MONITOR saw the last SET");
      // A timed-out write that Redis ran late makes its retry refused; the instance then writes the same state one
      // version above, so the queue may still be settling after Redis first matched: wait until nothing is pending
      // and the last SET is the version the breaker reports.
      eventually(() -> app.persistence().getInteger("pending_writes") == 0
          && lastOf(setVersions(monitor, key)) == app.bus.status("hammered").getLong("version")
          && app.stored("hammered").equals(app.snapshots().get("hammered")), "the writes settled");
      double lagMs = app.probe.endPhase();
      List<Long> sent = sentBaseVersions(monitor, key);
      List<Long> set = setVersions(monitor, key);
      int lateArrivals = 0;
      long highest = 0;
      for (long version : sent) {
        if (version < highest) {
          lateArrivals++;
        }
        highest = Math.max(highest, version);
      }
      JsonObject persistence = app.persistence();
      System.out.printf("[faults] slow Redis: %d transitions in %d ms over %d DEBUG SLEEPs; final version %d in Redis "
              + "%d ms later; MONITOR: %d script calls (%d older than one before them), %d SETs, versions SET %s; "
              + "failed_writes %d, stale_writes %d; slowest reply while slow %.2f ms; lag warm-up %.1f / slow Redis %.1f ms; %s%n",
          TRANSITIONS, hammeredMs, sleeps.get(), last.getLong("version"), landedMs, sent.size(), lateArrivals, set.size(),
          summarize(set), persistence.getLong("failed_writes"), persistence.getLong("stale_writes"), app.endReplyPhase(),
          warmUpLagMs, lagMs, app.probe.summary());

      assertThat(app.stored("hammered")).isEqualTo(app.snapshots().get("hammered"));
      assertThat(set).as("versions SET, in the order Redis executed them: 1, 2, 3, ... with none repeated")
          .isEqualTo(LongStream.rangeClosed(1, set.size()).boxed().toList());
      // The version the breaker reports once everything landed: a refusal of one of its own writes that timed out
      // (more than the queue remembers) is rebased, one version above the state it reported before.
      assertThat(set.get(set.size() - 1)).isEqualTo(app.bus.status("hammered").getLong("version"))
          .isGreaterThanOrEqualTo(last.getLong("version"));
      assertThat(sent.size()).as("script calls: the accepted ones and those refused").isGreaterThanOrEqualTo(set.size());
      assertThat(lagMs).as("worst event-loop lag with a slow Redis, ms").isLessThan(500);
    }
  }

  /** The versions script calls for {@code key} were based on, in the order Redis received them. */
  private static List<Long> sentBaseVersions(RedisMonitor monitor, String key) {
    List<Long> versions = new ArrayList<>();
    for (RedisMonitor.Entry entry : monitor.entries()) {
      List<String> args = entry.args();
      // EVALSHA sha 1 key value base ttl: the base version is the 4th argument after the script or its sha
      if (!entry.fromScript() && entry.command().startsWith("EVAL") && args.size() >= 6 && key.equals(args.get(3))) {
        versions.add(Long.parseLong(args.get(5)));
      }
    }
    return versions;
  }

  /** The versions the write script SET on {@code key}, read from the stored JSON, in execution order. */
  private static List<Long> setVersions(RedisMonitor monitor, String key) {
    List<Long> versions = new ArrayList<>();
    for (RedisMonitor.Entry entry : monitor.entries()) {
      if (entry.fromScript() && "SET".equals(entry.command()) && key.equals(entry.args().get(1))) {
        versions.add(new JsonObject(entry.args().get(2)).getLong("version"));
      }
    }
    return versions;
  }

  private static long lastOf(List<Long> versions) {
    return versions.isEmpty() ? -1 : versions.get(versions.size() - 1);
  }

  private static String summarize(List<Long> versions) {
    if (versions.size() <= 12) {
      return versions.toString();
    }
    return versions.subList(0, 6) + " ... " + versions.subList(versions.size() - 6, versions.size());
  }
}
