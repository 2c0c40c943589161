package io.tripstate.history;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Keeps the history's Redis commands few on the connection pool it shares with the snapshots: at most
 * {@code maxOutstanding} at once, counting commands that timed out here but still wait for Redis (a command
 * that timed out is not cancelled and keeps its pooled connection until Redis answers), so that a stalled
 * Redis never lets the history fill the pool. Reads go before waiting appends; a full queue refuses at once.
 * Confined to the owner's context: results are handed back there.
 */
final class CommandGate {
  private final Context owner;
  private final int maxOutstanding;
  private final int maxWaitingAppends;
  private final int maxWaitingReads;
  private final long timeoutMs;
  private final ArrayDeque<Runnable> reads = new ArrayDeque<>();
  private final ArrayDeque<Runnable> appends = new ArrayDeque<>();
  private int outstanding;

  CommandGate(Context owner, int maxOutstanding, int maxWaitingAppends, int maxWaitingReads, long timeoutMs) {
    this.owner = owner;
    this.maxOutstanding = maxOutstanding;
    this.maxWaitingAppends = maxWaitingAppends;
    this.maxWaitingReads = maxWaitingReads;
    this.timeoutMs = timeoutMs;
  }

  /** Sends {@code command} now or when a slot frees; the result fails after {@code timeoutMs} from sending. */
  <T> Future<T> submit(boolean read, Supplier<Future<T>> command) {
    Promise<T> result = Promise.promise();
    Runnable start = () -> {
      outstanding++;
      Future<T> sent;
      try {
        sent = command.get();
      } catch (RuntimeException e) {
        sent = Future.failedFuture(e);
      }
      onOwner(sent, () -> {
        outstanding--;
        startWaiting();
      });
      Future<T> bounded = sent.timeout(timeoutMs, TimeUnit.MILLISECONDS);
      onOwner(bounded, () -> result.handle(bounded));
    };
    ArrayDeque<Runnable> queue = read ? reads : appends;
    if (outstanding < maxOutstanding && reads.isEmpty() && appends.isEmpty()) {
      start.run();
    } else if (queue.size() < (read ? maxWaitingReads : maxWaitingAppends)) {
      queue.addLast(start);
    } else {
      return Future.failedFuture(new IllegalStateException("too many history commands at once: " + outstanding
          + " wait for Redis to answer and " + queue.size() + " more are queued"));
    }
    return result.future();
  }

  /** Commands sent and not yet answered by Redis (including those that timed out here). */
  int outstanding() {
    return outstanding;
  }

  private void startWaiting() {
    while (outstanding < maxOutstanding && !(reads.isEmpty() && appends.isEmpty())) {
      (reads.isEmpty() ? appends : reads).removeFirst().run();
    }
  }

  /** The client may complete on another context; the gate's state lives on the owner's. */
  private void onOwner(Future<?> future, Runnable action) {
    future.onComplete(ignored -> {
      if (Vertx.currentContext() == owner) {
        action.run();
      } else {
        owner.runOnContext(v -> action.run());
      }
    });
  }
}
