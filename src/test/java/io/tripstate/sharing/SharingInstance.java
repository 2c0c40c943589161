package io.tripstate.sharing;

import io.tripstate.breaker.BreakerSettings;
import io.tripstate.breaker.Decision;
import io.tripstate.breaker.Outcome;
import io.tripstate.engine.BreakerEngine;
import io.tripstate.store.OnOwner;
import io.tripstate.support.Bus;
import io.tripstate.support.ManualScheduler;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * One app instance for sharing tests: its own event-loop context (the owner), virtual time, engine, Redis client
 * and trial gate, as in a separate process; Redis keeps real time. Its methods block: call them from the test
 * thread, never from an event loop.
 */
final class SharingInstance {
  final String id;
  final Context context;
  final ManualScheduler scheduler = ManualScheduler.atEpoch2026();
  final BreakerEngine engine;
  final TrialLeases leases;
  final TrialGate gate;

  SharingInstance(Vertx vertx, String id, String redisUrl, BreakerSettings settings, long commandTimeoutMs) {
    this.id = id;
    this.context = vertx.getOrCreateContext();
    this.engine = new BreakerEngine(name -> settings, 100, scheduler, List.of());
    this.leases = new TrialLeases(Redis.createClient(vertx, new RedisOptions().setConnectionString(redisUrl)),
        "share:", commandTimeoutMs);
    this.gate = new TrialGate(engine, leases, id, name -> true, OnOwner.executor(context));
  }

  /** Runs {@code work} on the owner's context and waits for its result. */
  <T> T on(Supplier<T> work) {
    return Bus.await(onAsync(() -> Future.succeededFuture(work.get())));
  }

  /** Starts {@code work} on the owner's context; the future completes with what it completes with. */
  <T> Future<T> onAsync(Supplier<Future<T>> work) {
    Promise<T> result = Promise.promise();
    context.runOnContext(v -> {
      try {
        work.get().onComplete(result);
      } catch (RuntimeException e) {
        result.fail(e);
      }
    });
    return result.future();
  }

  /** Opens {@code name} by a failure (settings with failureThreshold 1) and lets its open time pass. */
  void openAndWait(String name, long resetTimeoutMs) {
    on(() -> {
      engine.record(name, Outcome.FAILURE, null, null);
      scheduler.advanceMillis(resetTimeoutMs);
      return null;
    });
  }

  /** Starts {@code count} acquires through the gate at once on the owner; completes with every decision. */
  Future<List<Decision>> acquireAll(String name, int count) {
    return onAsync(() -> {
      List<Future<Decision>> decisions = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        decisions.add(gate.acquire(name));
      }
      return Future.all(decisions).map(all -> decisions.stream().map(Future::result).toList());
    });
  }

  Decision acquire(String name) {
    return Bus.await(onAsync(() -> gate.acquire(name)));
  }
}
