package io.tripstate.store;

import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.concurrent.TimeUnit;

/**
 * A Redis client whose every command is bounded by {@code timeoutMs}: vertx-redis-client has no command timeout
 * of its own. Shared by the small adapters of one key each (trial leases, votes, the instance directory).
 *
 * @param client the client (not closed here)
 */
public record TimedRedis(Redis client, long timeoutMs) {
  public Future<Response> send(Request request) {
    return client.send(request).timeout(timeoutMs, TimeUnit.MILLISECONDS);
  }
}
