package io.tripstate.store;

import io.vertx.core.Context;
import io.vertx.core.Vertx;
import java.util.concurrent.Executor;

/**
 * Runs the answers of the store on their owner's context, where the breakers live, hopping only when needed:
 * Redis replies complete on the client's threads.
 */
public final class OnOwner {
  private OnOwner() {}

  /** An executor that runs a task at once on {@code owner}'s context, else schedules it there. */
  public static Executor executor(Context owner) {
    return task -> {
      if (Vertx.currentContext() == owner) {
        task.run();
      } else {
        owner.runOnContext(v -> task.run());
      }
    };
  }
}
