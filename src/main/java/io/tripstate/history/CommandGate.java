package io.tripstate.history;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Orders the history's Redis commands and keeps them few on the connection pool it shares with the
 * snapshots.
 *
 * <ul>
 *   <li>At most {@code maxOutstanding} commands at once, counting commands that timed out here but still wait
 *       for Redis (a command that timed out is not cancelled and keeps its pooled connection until Redis
 *       answers), so that a stalled Redis never lets the history fill the pool.
 *   <li>One append per breaker at a time, in the order of its transitions: two appends sent at once over two
 *       pooled connections may reach Redis in either order, and the stream's order is the history's.
 *   <li>Reads go before waiting appends; a full queue refuses at once.
 * </ul>
 * Confined to the owner's context: results are handed back there.
 */
final class CommandGate {
  private final Context owner;
  private final int maxOutstanding;
  private final int maxWaitingAppends;
  private final int maxWaitingReads;
  private final long timeoutMs;
  private final ArrayDeque<Runnable> reads = new ArrayDeque<>();
  /** Waiting appends per breaker, oldest first. */
  private final Map<String, ArrayDeque<Runnable>> appends = new HashMap<>();
  /** Breakers with waiting appends and none out, in the order they became ready. */
  private final ArrayDeque<String> ready = new ArrayDeque<>();
  /** Breakers with an append out (until Redis answers it). */
  private final Set<String> appending = new HashSet<>();
  private int waitingAppends;
  private int outstanding;

  CommandGate(Context owner, int maxOutstanding, int maxWaitingAppends, int maxWaitingReads, long timeoutMs) {
    this.owner = owner;
    this.maxOutstanding = maxOutstanding;
    this.maxWaitingAppends = maxWaitingAppends;
    this.maxWaitingReads = maxWaitingReads;
    this.timeoutMs = timeoutMs;
  }

  /** Sends a read now or when a slot frees; the result fails after {@code timeoutMs} from sending. */
  <T> Future<T> read(Supplier<Future<T>> command) {
    Promise<T> result = Promise.promise();
    Runnable start = () -> send(command, result, null);
    if (outstanding < maxOutstanding && reads.isEmpty()) {
      start.run();
    } else if (reads.size() < maxWaitingReads) {
      reads.addLast(start);
    } else {
      return refused(reads.size());
    }
    return result.future();
  }

  /** Sends an append to {@code key} after the earlier ones to that key, and when a slot frees. */
  <T> Future<T> append(String key, Supplier<Future<T>> command) {
    Promise<T> result = Promise.promise();
    Runnable start = () -> send(command, result, key);
    ArrayDeque<Runnable> waiting = appends.get(key);
    if (waiting == null && !appending.contains(key) && outstanding < maxOutstanding && reads.isEmpty()
        && ready.isEmpty()) {
      start.run();
      return result.future();
    }
    if (waitingAppends >= maxWaitingAppends) {
      return refused(waitingAppends);
    }
    if (waiting == null) {
      waiting = new ArrayDeque<>();
      appends.put(key, waiting);
      if (!appending.contains(key)) {
        ready.addLast(key);
      }
    }
    waiting.addLast(start);
    waitingAppends++;
    return result.future();
  }

  /** Commands sent and not yet answered by Redis (including those that timed out here). */
  int outstanding() {
    return outstanding;
  }

  private <T> void send(Supplier<Future<T>> command, Promise<T> result, String key) {
    outstanding++;
    if (key != null) {
      appending.add(key);
    }
    Future<T> sent;
    try {
      sent = command.get();
    } catch (RuntimeException e) {
      sent = Future.failedFuture(e);
    }
    onOwner(sent, () -> {
      outstanding--;
      if (key != null) {
        appending.remove(key);
        if (appends.containsKey(key)) {
          ready.addLast(key);
        }
      }
      startWaiting();
    });
    Future<T> bounded = sent.timeout(timeoutMs, TimeUnit.MILLISECONDS);
    onOwner(bounded, () -> result.handle(bounded));
  }

  private void startWaiting() {
    while (outstanding < maxOutstanding && !(reads.isEmpty() && ready.isEmpty())) {
      if (!reads.isEmpty()) {
        reads.removeFirst().run();
        continue;
      }
      String key = ready.removeFirst();
      ArrayDeque<Runnable> waiting = appends.get(key);
      Runnable next = waiting.removeFirst();
      if (waiting.isEmpty()) {
        appends.remove(key);
      }
      waitingAppends--;
      next.run();
    }
  }

  private static <T> Future<T> refused(int queued) {
    return Future.failedFuture(new IllegalStateException("too many history commands at once: " + queued
        + " already wait for Redis"));
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
