package io.tripstate.store;

import io.tripstate.engine.Scheduler;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Replies held until Redis confirmed the change they report ({@code ackAfterWrite}). Each waiter is answered
 * exactly once, and dropped when it is: on confirmation ({@link #WRITTEN}), when the breaker took another
 * writer's snapshot ({@link #SUPERSEDED}), or at its timeout ({@link #PENDING}). At most {@link #MAX_WAITERS}
 * wait at once; beyond that a reply says pending at once, so an outage cannot make them pile up. Confined to
 * the owner's thread.
 */
final class AckWaiters {
  /** Redis holds the change (or a later one made here). */
  static final String WRITTEN = "written";
  /** Not confirmed within the timeout; the write is still queued and retried. */
  static final String PENDING = "pending";
  /** Redis refused the write and holds another writer's state, which the breaker took instead. */
  static final String SUPERSEDED = "superseded";
  /** Replies waiting at once, at most. */
  static final int MAX_WAITERS = 10_000;

  private final class Waiter {
    final String name;
    final long changes;
    final Promise<String> promise = Promise.promise();
    long timerId = -1;

    Waiter(String name, long changes) {
      this.name = name;
      this.changes = changes;
    }

    void answer(String verdict) {
      scheduler.cancel(timerId);
      promise.tryComplete(verdict);
    }
  }

  private final Scheduler scheduler;
  private final Map<String, List<Waiter>> byName = new HashMap<>();
  private int count;

  AckWaiters(Scheduler scheduler) {
    this.scheduler = scheduler;
  }

  /** Waits until the breaker's changes up to {@code changes} are confirmed, at most {@code timeoutMs}. */
  Future<String> await(String name, long changes, long timeoutMs) {
    if (count >= MAX_WAITERS) {
      return Future.succeededFuture(PENDING);
    }
    Waiter waiter = new Waiter(name, changes);
    byName.computeIfAbsent(name, n -> new ArrayList<>(1)).add(waiter);
    count++;
    waiter.timerId = scheduler.schedule(timeoutMs, () -> {
      remove(waiter);
      waiter.promise.tryComplete(PENDING);
    });
    return waiter.promise.future();
  }

  /** The store confirmed a breaker's changes up to {@code coveredChanges}. */
  void written(String name, long coveredChanges) {
    answer(name, coveredChanges, WRITTEN);
  }

  /** The breaker took a stored snapshot: none of its unconfirmed changes will be written. */
  void superseded(String name) {
    answer(name, Long.MAX_VALUE, SUPERSEDED);
  }

  /** Answers every waiter {@link #PENDING} (persistence stops). */
  void closeAll() {
    List<Waiter> all = new ArrayList<>();
    byName.values().forEach(all::addAll);
    byName.clear();
    count = 0;
    all.forEach(waiter -> waiter.answer(PENDING));
  }

  /** Replies waiting now. */
  int size() {
    return count;
  }

  private void answer(String name, long upTo, String verdict) {
    List<Waiter> waiters = byName.get(name);
    if (waiters == null) {
      return;
    }
    List<Waiter> done = new ArrayList<>();
    for (Iterator<Waiter> it = waiters.iterator(); it.hasNext(); ) {
      Waiter waiter = it.next();
      if (waiter.changes <= upTo) {
        it.remove();
        done.add(waiter);
      }
    }
    if (waiters.isEmpty()) {
      byName.remove(name);
    }
    count -= done.size();
    // Answered after the bookkeeping: a reply handler may ask to wait again.
    done.forEach(waiter -> waiter.answer(verdict));
  }

  private void remove(Waiter waiter) {
    List<Waiter> waiters = byName.get(waiter.name);
    if (waiters != null && waiters.remove(waiter)) {
      count--;
      if (waiters.isEmpty()) {
        byName.remove(waiter.name);
      }
    }
  }
}
