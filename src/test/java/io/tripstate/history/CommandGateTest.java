package io.tripstate.history;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The history's share of the Redis pool: few commands at once, even when Redis stalls. */
@ExtendWith(VertxExtension.class)
class CommandGateTest {
  private Context context;
  /** The commands sent, in order, each with the promise that plays Redis's answer. */
  private final List<String> sent = new CopyOnWriteArrayList<>();
  private final List<Promise<String>> answers = new CopyOnWriteArrayList<>();

  @BeforeEach
  void context(Vertx vertx) {
    context = vertx.getOrCreateContext();
  }

  /** Runs on the gate's context, as the verticle does, and waits for it. */
  private <T> T onContext(Callable<T> action) {
    Promise<T> done = Promise.promise();
    context.runOnContext(v -> {
      try {
        done.complete(action.call());
      } catch (Exception e) {
        done.fail(e);
      }
    });
    return io.tripstate.support.Bus.await(done.future());
  }

  /** A command that records its sending and is answered when the test says so. */
  private java.util.function.Supplier<Future<String>> command(String name) {
    return () -> {
      sent.add(name);
      Promise<String> answer = Promise.promise();
      answers.add(answer);
      return answer.future();
    };
  }

  private Future<String> append(CommandGate gate, String key, String name) {
    return onContext(() -> gate.append(key, command(name)));
  }

  private Future<String> read(CommandGate gate, String name) {
    return onContext(() -> gate.read(command(name)));
  }

  private void answer(int index) {
    onContext(() -> answers.get(index).tryComplete("OK"));
  }

  @Test
  void atMostMaxOutstandingCommandsAreSentCountingThoseThatTimedOutHere() {
    // Given a gate of 2 commands with a 50 ms timeout, and 4 appends to a Redis that does not answer
    CommandGate gate = new CommandGate(context, 2, 10, 10, 50);
    Future<String> first = append(gate, "k1", "a1");
    Future<String> second = append(gate, "k2", "a2");
    append(gate, "k3", "a3");
    append(gate, "k4", "a4");

    // When the first two time out here
    await().atMost(Duration.ofSeconds(5)).until(() -> first.failed() && second.failed());

    // Then nothing more was sent: they still hold their pooled connections until Redis answers
    assertThat(first.cause()).hasMessageContaining("Timeout");
    assertThat(sent).containsExactly("a1", "a2");
    assertThat(onContext(gate::outstanding)).isEqualTo(2);

    // And when Redis answers one of them, the next waiting command goes out
    answer(0);
    await().atMost(Duration.ofSeconds(5)).until(() -> sent.size() == 3);
    assertThat(sent).containsExactly("a1", "a2", "a3");
  }

  @Test
  void aBreakersAppendsGoOneAtATimeInOrderWhileOthersPassThem() {
    // Given room for 4 commands, and three appends of one breaker, then one of another
    CommandGate gate = new CommandGate(context, 4, 10, 10, 5_000);
    append(gate, "payments", "p1");
    append(gate, "payments", "p2");
    append(gate, "payments", "p3");
    append(gate, "search", "s1");

    // Then only the first of payments is out, and search went past the two that wait
    assertThat(sent).containsExactly("p1", "s1");

    // When Redis answers p1, then p2
    answer(0);
    await().atMost(Duration.ofSeconds(5)).until(() -> sent.size() == 3);
    assertThat(sent).containsExactly("p1", "s1", "p2");
    answer(2);

    // Then p3 follows, in order
    await().atMost(Duration.ofSeconds(5)).until(() -> sent.size() == 4);
    assertThat(sent).containsExactly("p1", "s1", "p2", "p3");
  }

  @Test
  void aReadGoesBeforeTheAppendsThatWait() {
    // Given a gate of 1 command busy with an append, another append waiting, then a read
    CommandGate gate = new CommandGate(context, 1, 10, 10, 5_000);
    Future<String> append = append(gate, "k1", "append-1");
    append(gate, "k2", "append-2");
    Future<String> read = read(gate, "read");

    // When the first append is answered
    answer(0);

    // Then the read is sent next, and the results arrive
    await().atMost(Duration.ofSeconds(5)).until(() -> sent.size() == 2);
    assertThat(sent).containsExactly("append-1", "read");
    assertThat(append.result()).isEqualTo("OK");
    answer(1);
    await().atMost(Duration.ofSeconds(5)).until(read::succeeded);
    await().atMost(Duration.ofSeconds(5)).until(() -> sent.size() == 3);
  }

  @Test
  void aFullQueueRefusesAtOnceSayingWhy() {
    // Given a gate of 1 command busy, with room for 1 waiting append
    CommandGate gate = new CommandGate(context, 1, 1, 1, 5_000);
    append(gate, "k1", "sent");
    Future<String> waiting = append(gate, "k2", "waiting");

    // When one more append comes
    Future<String> refused = append(gate, "k3", "refused");

    // Then it fails at once, and the waiting one is still waiting
    assertThat(refused.failed()).isTrue();
    assertThat(refused.cause()).hasMessageContaining("too many history commands at once");
    assertThat(waiting.isComplete()).isFalse();
    assertThat(sent).containsExactly("sent");
  }
}
