package io.tripstate.store;

import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;

/** Runs a future's completion on its owner's context, where the breakers live, hopping only when needed. */
final class OnOwner {
  private OnOwner() {}

  static <T> void complete(Context owner, Future<T> future, Handler<AsyncResult<T>> handler) {
    future.onComplete(result -> {
      if (Vertx.currentContext() == owner) {
        handler.handle(result);
      } else {
        owner.runOnContext(v -> handler.handle(result));
      }
    });
  }
}
