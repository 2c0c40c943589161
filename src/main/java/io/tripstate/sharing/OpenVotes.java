package io.tripstate.sharing;

import io.tripstate.store.LuaScript;
import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import java.util.concurrent.TimeUnit;

/** Votes to open a shared breaker: one sorted set per breaker, {@code {keyPrefix}{name}:votes}, scored by expiry. */
public final class OpenVotes {
  /** KEYS[1] the set; ARGV[1] the instance; ARGV[2] the vote's life, ms. Returns the distinct live voters. */
  static final LuaScript VOTE = new LuaScript(String.join("\n",
      "local t = redis.call('TIME')",
      "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
      "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)",
      "redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])",
      "local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')",
      "redis.call('PEXPIREAT', KEYS[1], tonumber(last[2]))",
      "return redis.call('ZCARD', KEYS[1])"));

  private final Redis redis;
  private final String keyPrefix;
  private final long timeoutMs;

  public OpenVotes(Redis redis, String keyPrefix, long timeoutMs) {
    this.redis = redis;
    this.keyPrefix = keyPrefix;
    this.timeoutMs = timeoutMs;
  }

  /** Votes (again) for {@code ttlMs}; the result is how many distinct instances have a live vote. */
  public Future<Integer> vote(String name, String instance, long ttlMs) {
    return VOTE.run(request -> redis.send(request).timeout(timeoutMs, TimeUnit.MILLISECONDS),
        keyPrefix + name + ":votes", instance, Long.toString(Math.max(1, ttlMs))).map(reply -> reply.toInteger());
  }
}
