package io.tripstate.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.tripstate.support.Bus;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.junit5.VertxExtension;
import java.util.concurrent.Executor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The store's answers run on the owner's context, where the breakers live, whatever thread they arrive on. */
@ExtendWith(VertxExtension.class)
class OnOwnerTest {

  @Test
  void aTaskFromAnotherThreadRunsOnTheOwnersContext(Vertx vertx) {
    // Given the executor of an owner's context
    Context owner = vertx.getOrCreateContext();
    Executor onOwner = OnOwner.executor(owner);
    Promise<Context> ranOn = Promise.promise();

    // When a task is handed to it from a thread of its own, as a Redis client's answers arrive
    Thread answering = new Thread(() -> onOwner.execute(() -> ranOn.complete(Vertx.currentContext())), "answers");
    answering.start();

    // Then it runs on the owner's context
    assertThat(Bus.await(ranOn.future())).isSameAs(owner);
  }

  @Test
  void aTaskHandedOnTheOwnersContextRunsAtOnce(Vertx vertx) {
    // Given the executor of an owner's context
    Context owner = vertx.getOrCreateContext();
    Executor onOwner = OnOwner.executor(owner);
    Promise<Boolean> ranAtOnce = Promise.promise();

    // When a task is handed to it on that context
    owner.runOnContext(v -> {
      boolean[] ran = {false};
      onOwner.execute(() -> ran[0] = true);
      ranAtOnce.complete(ran[0]);
    });

    // Then it already ran when execute returned: no hop, so answers keep their order with the owner's own work
    assertThat(Bus.await(ranAtOnce.future())).isTrue();
  }
}
