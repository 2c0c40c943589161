package io.tripstate.sharing;

import static io.tripstate.support.Bus.eventually;
import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.support.RedisServerProcess;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Sharing under stress and faults, each test with a Redis and three instances of its own: concurrent random
 * changes converge on what Redis holds; a Redis stalled and restarted empty; a stream trimmed past a reader.
 */
class SharingConvergenceIntegrationTest {
  private static final List<String> NAMES = List.of("conv-1", "conv-2", "conv-3", "conv-4");

  @Test
  void tenSecondsOfRandomConcurrentChangesOnThreeInstancesConvergeOnRedis() throws InterruptedException {
    try (RedisServerProcess redis = RedisServerProcess.start(); Fleet fleet = new Fleet(redis).start(3, c -> { })) {
      // Given three instances changing four shared breakers at random, concurrently, for 10 s
      AtomicInteger requests = new AtomicInteger();
      List<Thread> threads = new ArrayList<>();
      long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      for (Fleet.Member member : fleet.members) {
        Thread thread = new Thread(() -> {
          Random random = new Random(member.id.hashCode());
          while (System.nanoTime() < until) {
            String name = NAMES.get(random.nextInt(NAMES.size()));
            JsonObject body = new JsonObject().put("name", name);
            switch (random.nextInt(6)) {
              case 0 -> member.trySend("reset", body);
              case 1 -> member.trySend("force_open", body);
              case 2 -> member.trySend("disable", body);
              default -> member.trySend("record", body.put("outcome", "failure"));
            }
            requests.incrementAndGet();
          }
        }, "random-" + member.id);
        threads.add(thread);
        thread.start();
      }
      for (Thread thread : threads) {
        thread.join();
      }

      // Then every instance settles on the state and version Redis holds, for every breaker
      Awaitility.await("every instance holds Redis's snapshot").atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            for (String name : NAMES) {
              JsonObject stored = fleet.stored(name);
              assertThat(stored).as(name + " in Redis").isNotNull();
              for (Fleet.Member member : fleet.members) {
                JsonObject local = member.bus.status(name);
                assertThat(local.getString("state")).as(member.id + " " + name).isEqualTo(stored.getString("state"));
                assertThat(local.getLong("version")).as(member.id + " " + name + " version")
                    .isEqualTo(stored.getLong("version"));
              }
            }
          });
      long applied = fleet.members.stream().mapToLong(m ->
          m.bus.statusAll().getJsonObject("sharing").getLong("applied")).sum();
      System.out.printf("[sharing] %d random requests on 3 instances in 10 s; %d remote transitions applied; "
          + "final versions %s%n", requests.get(), applied, NAMES.stream().map(n -> fleet.stored(n).getLong("version"))
          .toList());
      assertThat(applied).isPositive();
    }
  }

  @Test
  void aRedisStalledThenRestartedEmptyEndsWithEveryInstanceAgreeingWithIt() {
    try (RedisServerProcess redis = RedisServerProcess.start(); Fleet fleet = new Fleet(redis).start(3, c -> { })) {
      // Given a breaker opened on a and known open everywhere
      String name = "stalled";
      for (int i = 0; i < 3; i++) {
        fleet.get(0).bus.record(name, "failure");
      }
      for (Fleet.Member member : fleet.members) {
        eventually(() -> "open".equals(member.state(name)), member.id + " open");
      }

      // When Redis stalls for a second, then restarts with nothing in it
      redis.pause();
      fleet.get(1).bus.send("force_open", new JsonObject().put("name", name)); // decided without Redis
      redis.resume();
      redis.restart();

      // Then the instances write their states again, compare-and-set picks one, and all agree with Redis
      Awaitility.await("all agree with the restarted Redis").atMost(Duration.ofSeconds(15))
          .pollInterval(Duration.ofMillis(100)).untilAsserted(() -> {
            JsonObject stored = fleet.stored(name);
            assertThat(stored).isNotNull();
            for (Fleet.Member member : fleet.members) {
              JsonObject local = member.bus.status(name);
              assertThat(local.getString("state")).as(member.id).isEqualTo(stored.getString("state"));
              assertThat(local.getLong("version")).as(member.id + " version").isEqualTo(stored.getLong("version"));
            }
          });
      for (Fleet.Member member : fleet.members) {
        eventually(() -> member.bus.statusAll().getJsonObject("sharing").getBoolean("connected"),
            member.id + " reads the stream again");
      }
    }
  }

  @Test
  void aStreamTrimmedPastAnInstanceThatWasAwayMakesItReloadEverySnapshot() {
    try (RedisServerProcess redis = RedisServerProcess.start(); Fleet fleet = new Fleet(redis).start(1, c -> { })) {
      // Given b, which waits 3 s before it reads again after a broken connection, has read everything
      fleet.start(1, config -> config.getJsonObject("persistence").put("retryMs", 3_000));
      for (Fleet.Member member : fleet.members) {
        eventually(() -> member.bus.statusAll().getJsonObject("sharing").getBoolean("connected"),
            member.id + " reads the stream");
      }
      long before = fleet.get(1).bus.statusAll().getJsonObject("sharing").getLong("rescans");

      // When b's connections break, and while it is away a transition is announced and then trimmed away (as
      // when more than streamMaxLength transitions pass an instance by)
      redis.command("CLIENT", "KILL", "TYPE", "normal");
      fleet.get(0).bus.send("force_open", new JsonObject().put("name", "trimmed"));
      eventually(() -> !"0".equals(redis.command("XLEN", fleet.prefix + "sharing:transitions")), "announced");
      redis.command("XTRIM", fleet.prefix + "sharing:transitions", "MAXLEN", "0");

      // Then b finds its last-seen entry gone, reloads every snapshot, and so learns what it missed
      eventually(() -> fleet.get(1).bus.statusAll().getJsonObject("sharing").getLong("rescans") > before,
          "b reloaded");
      eventually(() -> "forced_open".equals(fleet.get(1).state("trimmed")), "b forced open");
      fleet.get(0).bus.send("reset", new JsonObject().put("name", "trimmed"));
      eventually(() -> "closed".equals(fleet.get(1).state("trimmed")), "b reads on");
    }
  }
}
