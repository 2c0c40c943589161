package io.tripstate.sharing;

import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.concurrent.Executor;

/** Hands the answers of Redis back to the owner's event loop, where the breakers live. */
final class OnOwnerFutures {
  private final Executor owner;

  OnOwnerFutures(Executor owner) {
    this.owner = owner;
  }

  /** {@code future}'s outcome, completed on the owner. */
  <T> Future<T> on(Future<T> future) {
    Promise<T> promise = Promise.promise();
    future.onComplete(result -> owner.execute(() -> promise.handle(result)));
    return promise.future();
  }
}
