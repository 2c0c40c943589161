package io.tripstate.store;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;
import java.util.function.Supplier;

/**
 * A Redis client that can be swapped for a new one while everything that holds it (persistence, the history,
 * sharing) keeps working: vertx-redis-client 5.0.x's cluster client was seen stuck on a master that froze, for
 * longer than 40 s after Redis had promoted its replica (see {@link RedisSnapshotStore}). Thread-safe: the
 * current client is read once per call.
 */
final class ReplaceableRedis implements Redis {
  private final Supplier<Redis> factory;
  private volatile Redis current;

  ReplaceableRedis(Supplier<Redis> factory) {
    this.factory = factory;
    this.current = factory.get();
  }

  /** The client in use now. */
  Redis current() {
    return current;
  }

  /** Makes a new client and closes the old one (its commands in flight fail, and are retried by their owners). */
  void replace() {
    Redis old = current;
    current = factory.get();
    old.close();
  }

  @Override
  public Future<RedisConnection> connect() {
    return current.connect();
  }

  @Override
  public Future<Void> close() {
    return current.close();
  }

  @Override
  public Future<Response> send(Request command) {
    return current.send(command);
  }

  @Override
  public Future<List<Response>> batch(List<Request> commands) {
    return current.batch(commands);
  }
}
