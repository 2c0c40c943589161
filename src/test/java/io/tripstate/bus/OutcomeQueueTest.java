package io.tripstate.bus;

import static io.tripstate.support.Bus.await;
import static io.tripstate.support.Bus.eventually;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tripstate.breaker.Outcome;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The fast path's way back: offered from any thread, drained on the owner's event loop, nothing lost. */
@ExtendWith(VertxExtension.class)
class OutcomeQueueTest {
  private record Drained(String name, Outcome outcome, long durationMs, int count, Thread thread) {}

  private final List<Drained> drained = new CopyOnWriteArrayList<>();
  private Context owner;
  private Thread ownerThread;

  @BeforeEach
  void ownerContext(Vertx vertx) {
    owner = vertx.getOrCreateContext();
    ownerThread = await(Future.<Thread>future(p -> owner.runOnContext(v -> p.complete(Thread.currentThread()))));
  }

  private OutcomeQueue queue(int capacity) {
    return new OutcomeQueue(owner, Clock.systemUTC(), capacity, (name, outcome, durationMs, count, nowMs) ->
        drained.add(new Drained(name, outcome, durationMs, count, Thread.currentThread())));
  }

  /** Runs on the owner's event loop, where no drain can interleave until it returns. */
  private <T> T onOwner(Supplier<T> action) {
    return await(Future.<T>future(p -> owner.runOnContext(v -> p.complete(action.get()))));
  }

  @Test
  void capacityIsRoundedUpToAPowerOfTwo() {
    assertThat(queue(5).capacity()).isEqualTo(8);
    assertThat(queue(16).capacity()).isEqualTo(16);
    assertThat(queue(1).capacity()).isEqualTo(2);
  }

  @Test
  void outcomesAreRecordedOnTheOwnerInTheOrderOffered() {
    OutcomeQueue queue = queue(64);

    for (int i = 0; i < 40; i++) {
      assertThat(queue.offer("b" + i, i % 3 == 0 ? Outcome.FAILURE : Outcome.SUCCESS, i * 1_000L)).isTrue();
    }

    eventually(() -> drained.size() == 40, "all 40 outcomes drained");
    for (int i = 0; i < 40; i++) {
      Drained d = drained.get(i);
      assertThat(d.name()).isEqualTo("b" + i);
      assertThat(d.outcome()).isEqualTo(i % 3 == 0 ? Outcome.FAILURE : Outcome.SUCCESS);
      assertThat(d.durationMs()).isEqualTo(i * 1_000L);
      assertThat(d.thread()).isSameAs(ownerThread);
    }
  }

  @Test
  void everyOutcomeKindAndALongDurationSurviveThePacking() {
    OutcomeQueue queue = queue(8);

    queue.offer("ignored", Outcome.IGNORED, 0);
    queue.offer("long", Outcome.FAILURE, 86_400_000L * 12);
    queue.offer("negative", Outcome.SUCCESS, -5);
    queue.offer("capped", Outcome.SUCCESS, 86_400_000L * 365);

    eventually(() -> drained.size() == 4, "four outcomes drained");
    assertThat(drained).extracting(Drained::outcome)
        .containsExactly(Outcome.IGNORED, Outcome.FAILURE, Outcome.SUCCESS, Outcome.SUCCESS);
    assertThat(drained).extracting(Drained::durationMs)
        .containsExactly(0L, 86_400_000L * 12, 0L, (1L << 30) - 1);
    assertThat(drained).extracting(Drained::count).containsOnly(1);
  }

  @Test
  void aFullQueueRefusesUntilTheOwnerDrainedIt() {
    OutcomeQueue queue = queue(4);

    List<Boolean> accepted = onOwner(() -> {
      List<Boolean> results = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        results.add(queue.offer("full", Outcome.SUCCESS, i));
      }
      results.add(queue.hasRoom());
      return results;
    });

    assertThat(accepted).containsExactly(true, true, true, true, false, false, false);
    eventually(() -> drained.size() == 4, "the four taken outcomes drained");
    assertThat(queue.hasRoom()).isTrue();
    assertThat(queue.offer("full", Outcome.SUCCESS, 9)).isTrue();
    eventually(() -> drained.size() == 5, "the fifth drained");
  }

  @Test
  void outcomesWithoutDurationThatRepeatTheNewestOneOnlyRaiseItsCount() {
    OutcomeQueue queue = queue(4);

    List<Boolean> accepted = onOwner(() -> {
      List<Boolean> results = new ArrayList<>();
      for (int i = 0; i < 1_000; i++) {
        results.add(queue.offer("steady", Outcome.SUCCESS, 0));
      }
      results.add(queue.offer("steady", Outcome.FAILURE, 0)); // another outcome: a slot of its own
      results.add(queue.offer("other", Outcome.FAILURE, 0)); // another breaker: a slot of its own
      results.add(queue.offer("other", Outcome.FAILURE, 7)); // a duration: never merged
      results.add(queue.offer("other", Outcome.FAILURE, 0)); // the ring is full now
      return results;
    });

    assertThat(accepted.subList(0, 1_003)).containsOnly(true);
    assertThat(accepted.get(1_003)).isFalse();
    eventually(() -> drained.size() == 4, "four slots drained");
    assertThat(drained).extracting(Drained::name, Drained::outcome, Drained::count, Drained::durationMs)
        .containsExactly(tuple("steady", Outcome.SUCCESS, 1_000, 0L), tuple("steady", Outcome.FAILURE, 1, 0L),
            tuple("other", Outcome.FAILURE, 1, 0L), tuple("other", Outcome.FAILURE, 1, 7L));
  }

  @Test
  void aRunStopsAtItsLargestCountAndGoesOnInTheNextSlot() {
    OutcomeQueue queue = queue(4);

    onOwner(() -> {
      for (int i = 0; i < 70_000; i++) {
        queue.offer("long-run", Outcome.SUCCESS, 0);
      }
      return null;
    });

    eventually(() -> drained.size() == 2, "two slots drained");
    assertThat(drained).extracting(Drained::count).containsExactly(65_535, 70_000 - 65_535);
  }

  @Test
  void anOutcomeAfterAQuietSpellWakesTheOwnerAgain() throws InterruptedException {
    OutcomeQueue queue = queue(8);
    queue.offer("first", Outcome.SUCCESS, 1);
    eventually(() -> drained.size() == 1, "the first drained");

    // Longer than the drain interval: the owner stopped draining and waits to be woken.
    TimeUnit.MILLISECONDS.sleep(50);
    queue.offer("second", Outcome.SUCCESS, 2);

    eventually(() -> drained.size() == 2, "the second drained after the quiet spell");
  }

  @Test
  void closingRecordsWhatIsQueuedAndRefusesTheRest() {
    OutcomeQueue queue = queue(8);

    boolean afterClose = onOwner(() -> {
      queue.offer("queued", Outcome.SUCCESS, 1);
      queue.close();
      return queue.offer("late", Outcome.SUCCESS, 2);
    });

    assertThat(afterClose).isFalse();
    assertThat(drained).extracting(Drained::name).containsExactly("queued");
  }

  @Test
  void aFailingSinkLosesOnlyThatOutcome() {
    AtomicInteger seen = new AtomicInteger();
    OutcomeQueue queue = new OutcomeQueue(owner, Clock.systemUTC(), 8, (name, outcome, durationMs, count, nowMs) -> {
      seen.incrementAndGet();
      if (name.equals("bad")) {
        throw new IllegalStateException("boom");
      }
      drained.add(new Drained(name, outcome, durationMs, count, Thread.currentThread()));
    });

    queue.offer("good1", Outcome.SUCCESS, 0);
    queue.offer("bad", Outcome.SUCCESS, 0);
    queue.offer("good2", Outcome.SUCCESS, 0);

    eventually(() -> seen.get() == 3, "all three handed to the sink");
    assertThat(drained).extracting(Drained::name).containsExactly("good1", "good2");
  }

  @Test
  void concurrentRunsLoseNoCount() throws InterruptedException {
    int producers = 4;
    int perProducer = 100_000;
    Map<String, AtomicInteger> counted = new ConcurrentHashMap<>();
    OutcomeQueue queue = new OutcomeQueue(owner, Clock.systemUTC(), 64, (name, outcome, durationMs, count, nowMs) ->
        counted.computeIfAbsent(name + "/" + outcome, k -> new AtomicInteger()).addAndGet(count));
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      // Two producers share each name, so that they add to each other's runs.
      String name = "shared-" + p % 2;
      Thread producer = new Thread(() -> {
        for (int i = 0; i < perProducer; i++) {
          Outcome outcome = i % 100 == 0 ? Outcome.FAILURE : Outcome.SUCCESS;
          while (!queue.offer(name, outcome, 0)) {
            Thread.onSpinWait();
          }
        }
      });
      producer.start();
      threads.add(producer);
    }
    for (Thread thread : threads) {
      thread.join(60_000);
    }

    eventually(() -> counted.values().stream().mapToInt(AtomicInteger::get).sum() == producers * perProducer,
        "every outcome counted");
    for (String name : List.of("shared-0", "shared-1")) {
      assertThat(counted.get(name + "/FAILURE").get()).isEqualTo(2 * perProducer / 100);
      assertThat(counted.get(name + "/SUCCESS").get()).isEqualTo(2 * (perProducer - perProducer / 100));
    }
  }

  @Test
  void concurrentProducersLoseNothingAndKeepTheirOwnOrder() throws InterruptedException {
    int producers = 4;
    int perProducer = 50_000;
    Map<String, Long> lastSeen = new ConcurrentHashMap<>();
    AtomicInteger outOfOrder = new AtomicInteger();
    AtomicInteger total = new AtomicInteger();
    OutcomeQueue queue = new OutcomeQueue(owner, Clock.systemUTC(), 256, (name, outcome, sequence, count, nowMs) -> {
      Long previous = lastSeen.put(name, sequence);
      if (previous != null && previous + 1 != sequence || previous == null && sequence != 0) {
        outOfOrder.incrementAndGet();
      }
      total.incrementAndGet();
    });
    List<Thread> threads = new ArrayList<>();
    for (int p = 0; p < producers; p++) {
      String name = "producer-" + p;
      Thread producer = new Thread(() -> {
        for (long i = 0; i < perProducer; i++) {
          while (!queue.offer(name, Outcome.SUCCESS, i)) {
            Thread.onSpinWait(); // full: the owner drains it soon
          }
        }
      }, name);
      producer.start();
      threads.add(producer);
    }
    for (Thread thread : threads) {
      thread.join(60_000);
    }

    eventually(() -> total.get() == producers * perProducer, "every outcome drained");
    assertThat(outOfOrder.get()).isZero();
    assertThat(lastSeen).hasSize(producers).allSatisfy((name, last) -> assertThat(last).isEqualTo(perProducer - 1));
  }
}
