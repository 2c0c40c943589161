package io.tripstate.fastpath;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.tripstate.breaker.Outcome;
import io.tripstate.support.ManualExecutor;
import io.tripstate.support.ManualScheduler;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;

/**
 * The fast path's way back: offered from any thread, drained on the owner, nothing lost. The owner is the test
 * thread ({@link ManualExecutor}) on virtual time ({@link ManualScheduler}): nothing drains until the test lets
 * the owner run, and the drain timer fires when the test moves time.
 */
class OutcomeQueueTest {
  private record Drained(String name, Outcome outcome, long durationMs, int count, long nowMs) {}

  private final ManualExecutor owner = new ManualExecutor();
  private final ManualScheduler scheduler = ManualScheduler.atEpoch2026();
  private final List<Drained> drained = new ArrayList<>();

  private OutcomeQueue queue(int capacity) {
    return new OutcomeQueue(owner, scheduler, capacity, (name, outcome, durationMs, count, nowMs) ->
        drained.add(new Drained(name, outcome, durationMs, count, nowMs)));
  }

  /** The owner's event loop runs (woken tasks, then due timers, one virtual ms at a time) until done. */
  private void runOwnerUntil(BooleanSupplier done, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!done.getAsBoolean()) {
      owner.runPending();
      scheduler.advanceMillis(1);
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never happened: " + what);
      }
    }
  }

  private static List<Thread> start(int count, Runnable producer) {
    List<Thread> threads = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      Thread thread = new Thread(producer, "producer-" + i);
      thread.start();
      threads.add(thread);
    }
    return threads;
  }

  private static boolean allEnded(List<Thread> threads) {
    return threads.stream().noneMatch(Thread::isAlive);
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
    assertThat(drained).as("nothing is recorded in the producer's call").isEmpty();
    owner.runPending();

    assertThat(drained).hasSize(40);
    for (int i = 0; i < 40; i++) {
      Drained d = drained.get(i);
      assertThat(d.name()).isEqualTo("b" + i);
      assertThat(d.outcome()).isEqualTo(i % 3 == 0 ? Outcome.FAILURE : Outcome.SUCCESS);
      assertThat(d.durationMs()).isEqualTo(i * 1_000L);
      assertThat(d.nowMs()).isEqualTo(scheduler.nowMs());
    }
  }

  @Test
  void everyOutcomeKindAndALongDurationSurviveThePacking() {
    OutcomeQueue queue = queue(8);

    queue.offer("ignored", Outcome.IGNORED, 0);
    queue.offer("long", Outcome.FAILURE, 86_400_000L * 12);
    queue.offer("negative", Outcome.SUCCESS, -5);
    queue.offer("capped", Outcome.SUCCESS, 86_400_000L * 365);
    owner.runPending();

    assertThat(drained).extracting(Drained::outcome)
        .containsExactly(Outcome.IGNORED, Outcome.FAILURE, Outcome.SUCCESS, Outcome.SUCCESS);
    assertThat(drained).extracting(Drained::durationMs)
        .containsExactly(0L, 86_400_000L * 12, 0L, (1L << 30) - 1);
    assertThat(drained).extracting(Drained::count).containsOnly(1);
  }

  @Test
  void aFullQueueRefusesUntilTheOwnerDrainedIt() {
    OutcomeQueue queue = queue(4);

    List<Boolean> accepted = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      accepted.add(queue.offer("full", Outcome.SUCCESS, i));
    }
    accepted.add(queue.hasRoom());

    assertThat(accepted).containsExactly(true, true, true, true, false, false, false);
    owner.runPending();
    assertThat(drained).hasSize(4);
    assertThat(queue.hasRoom()).isTrue();
    assertThat(queue.offer("full", Outcome.SUCCESS, 9)).isTrue();
    owner.runPending();
    assertThat(drained).hasSize(5);
  }

  @Test
  void whileOutcomesKeepComingTheTimerDrainsWithoutWakingTheOwnerPerOutcome() {
    OutcomeQueue queue = queue(8);
    queue.offer("busy", Outcome.SUCCESS, 1);
    owner.runPending();

    queue.offer("busy", Outcome.SUCCESS, 2);
    queue.offer("busy", Outcome.SUCCESS, 3);

    assertThat(owner.pending()).as("no wake-up while a drain is due").isZero();
    assertThat(drained).hasSize(1);
    scheduler.advanceMillis(OutcomeQueue.DRAIN_INTERVAL_MS);
    assertThat(drained).extracting(Drained::durationMs).containsExactly(1L, 2L, 3L);
    assertThat(drained.get(2).nowMs()).isEqualTo(scheduler.nowMs());
  }

  @Test
  void outcomesWithoutDurationThatRepeatTheNewestOneOnlyRaiseItsCount() {
    OutcomeQueue queue = queue(4);

    List<Boolean> accepted = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      accepted.add(queue.offer("steady", Outcome.SUCCESS, 0));
    }
    accepted.add(queue.offer("steady", Outcome.FAILURE, 0)); // another outcome: a slot of its own
    accepted.add(queue.offer("other", Outcome.FAILURE, 0)); // another breaker: a slot of its own
    accepted.add(queue.offer("other", Outcome.FAILURE, 7)); // a duration: never merged
    accepted.add(queue.offer("other", Outcome.FAILURE, 0)); // the ring is full now
    owner.runPending();

    assertThat(accepted.subList(0, 1_003)).containsOnly(true);
    assertThat(accepted.get(1_003)).isFalse();
    assertThat(drained).extracting(Drained::name, Drained::outcome, Drained::count, Drained::durationMs)
        .containsExactly(tuple("steady", Outcome.SUCCESS, 1_000, 0L), tuple("steady", Outcome.FAILURE, 1, 0L),
            tuple("other", Outcome.FAILURE, 1, 0L), tuple("other", Outcome.FAILURE, 1, 7L));
  }

  @Test
  void aRunStopsAtItsLargestCountAndGoesOnInTheNextSlot() {
    OutcomeQueue queue = queue(4);

    for (int i = 0; i < 70_000; i++) {
      queue.offer("long-run", Outcome.SUCCESS, 0);
    }
    owner.runPending();

    assertThat(drained).extracting(Drained::count).containsExactly(65_535, 70_000 - 65_535);
  }

  @Test
  void anOutcomeAfterAQuietSpellWakesTheOwnerAgain() {
    OutcomeQueue queue = queue(8);
    queue.offer("first", Outcome.SUCCESS, 1);
    owner.runPending();
    assertThat(drained).hasSize(1);

    // One drain interval with nothing new: the owner stops draining and waits to be woken.
    scheduler.advanceMillis(OutcomeQueue.DRAIN_INTERVAL_MS);
    assertThat(scheduler.pendingTasks()).as("no timer while idle").isZero();
    scheduler.advanceMillis(50);
    queue.offer("second", Outcome.SUCCESS, 2);

    assertThat(owner.pending()).as("the owner was woken").isEqualTo(1);
    owner.runPending();
    assertThat(drained).extracting(Drained::name).containsExactly("first", "second");
  }

  @Test
  void closingRecordsWhatIsQueuedAndRefusesTheRest() {
    OutcomeQueue queue = queue(8);
    queue.offer("queued", Outcome.SUCCESS, 1);

    Future<Void> closed = queue.close();
    boolean afterClose = queue.offer("late", Outcome.SUCCESS, 2);
    boolean runAfterClose = queue.offer("queued", Outcome.SUCCESS, 0);

    assertThat(closed.succeeded()).isTrue();
    assertThat(afterClose).isFalse();
    assertThat(runAfterClose).isFalse();
    owner.runPending();
    scheduler.advanceMillis(10);
    assertThat(drained).extracting(Drained::name).containsExactly("queued");
  }

  @Test
  void everyOutcomeAnOfferAcceptedIsRecordedEvenWhenTheOwnerClosesMeanwhile() throws InterruptedException {
    for (int round = 0; round < 100; round++) {
      // Given producers offering as fast as they can, runs and single outcomes mixed
      drained.clear();
      OutcomeQueue queue = queue(64);
      AtomicInteger accepted = new AtomicInteger();
      AtomicInteger producer = new AtomicInteger();
      AtomicBoolean closing = new AtomicBoolean();
      List<Thread> threads = start(3, () -> {
        long duration = producer.getAndIncrement() == 2 ? 5 : 0;
        while (true) {
          if (queue.offer("shared", Outcome.SUCCESS, duration)) {
            accepted.incrementAndGet();
          } else if (closing.get()) {
            return;
          } else {
            Thread.onSpinWait(); // full: the owner drains it soon
          }
        }
      });
      runOwnerUntil(() -> accepted.get() > 100, "outcomes offered");

      // When the owner closes the queue while they offer
      Future<Void> closed = queue.close();
      closing.set(true);
      runOwnerUntil(() -> closed.isComplete() && allEnded(threads), "the queue closed and the producers stopped");
      for (Thread thread : threads) {
        thread.join();
      }

      // Then every outcome an offer accepted reached the sink, and nothing else
      int recorded = drained.stream().mapToInt(Drained::count).sum();
      assertThat(recorded).as("round %d: outcomes recorded", round).isEqualTo(accepted.get());
    }
  }

  @Test
  void aFailingSinkLosesOnlyThatOutcome() {
    AtomicInteger seen = new AtomicInteger();
    OutcomeQueue queue = new OutcomeQueue(owner, scheduler, 8, (name, outcome, durationMs, count, nowMs) -> {
      seen.incrementAndGet();
      if (name.equals("bad")) {
        throw new IllegalStateException("boom");
      }
      drained.add(new Drained(name, outcome, durationMs, count, nowMs));
    });

    queue.offer("good1", Outcome.SUCCESS, 0);
    queue.offer("bad", Outcome.SUCCESS, 0);
    queue.offer("good2", Outcome.SUCCESS, 0);
    owner.runPending();

    assertThat(seen.get()).isEqualTo(3);
    assertThat(drained).extracting(Drained::name).containsExactly("good1", "good2");
  }

  @Test
  void concurrentRunsLoseNoCount() throws InterruptedException {
    int producers = 4;
    int perProducer = 100_000;
    Map<String, AtomicInteger> counted = new ConcurrentHashMap<>();
    OutcomeQueue queue = new OutcomeQueue(owner, scheduler, 64, (name, outcome, durationMs, count, nowMs) ->
        counted.computeIfAbsent(name + "/" + outcome, k -> new AtomicInteger()).addAndGet(count));
    AtomicInteger producer = new AtomicInteger();
    List<Thread> threads = start(producers, () -> {
      // Two producers share each name, so that they add to each other's runs.
      String name = "shared-" + producer.getAndIncrement() % 2;
      for (int i = 0; i < perProducer; i++) {
        Outcome outcome = i % 100 == 0 ? Outcome.FAILURE : Outcome.SUCCESS;
        while (!queue.offer(name, outcome, 0)) {
          Thread.onSpinWait(); // full: the owner drains it soon
        }
      }
    });

    runOwnerUntil(() -> allEnded(threads)
        && counted.values().stream().mapToInt(AtomicInteger::get).sum() == producers * perProducer,
        "every outcome counted");

    for (Thread thread : threads) {
      thread.join();
    }
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
    OutcomeQueue queue = new OutcomeQueue(owner, scheduler, 256, (name, outcome, sequence, count, nowMs) -> {
      Long previous = lastSeen.put(name, sequence);
      if (previous != null && previous + 1 != sequence || previous == null && sequence != 0) {
        outOfOrder.incrementAndGet();
      }
      total.incrementAndGet();
    });
    List<Thread> threads = start(producers, () -> {
      String name = Thread.currentThread().getName();
      for (long i = 0; i < perProducer; i++) {
        while (!queue.offer(name, Outcome.SUCCESS, i)) {
          Thread.onSpinWait(); // full: the owner drains it soon
        }
      }
    });

    runOwnerUntil(() -> allEnded(threads) && total.get() == producers * perProducer, "every outcome drained");

    for (Thread thread : threads) {
      thread.join();
    }
    assertThat(outOfOrder.get()).isZero();
    assertThat(lastSeen).hasSize(producers).allSatisfy((name, last) -> assertThat(last).isEqualTo(perProducer - 1));
  }
}
