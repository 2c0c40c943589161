package io.tripstate.sharing;

import io.tripstate.store.LuaScript;
import io.tripstate.store.TimedRedis;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;

/**
 * The Redis adapter of the open quorum ({@code sharing.openQuorum}): an instance that trips votes to open the
 * breaker for everyone, and the breaker opens for all only when enough distinct live instances voted, so that
 * one instance with a broken network path does not open a healthy dependency for the whole fleet.
 *
 * <p>One key per breaker, {@code {keyPrefix}{name}:votes}: a sorted set of instance ids scored by when their
 * vote expires (Redis's {@code TIME}, epoch ms), the key expiring with its last vote. A vote is one script (one
 * key, one round trip) that drops expired votes, adds or refreshes this instance's, and answers how many
 * distinct live instances voted. Every call is bounded by {@code commandTimeoutMs}. Thread-safe.
 */
public final class OpenVotes {
  private static final String SUFFIX = ":votes";
  /** KEYS[1] the votes; ARGV[1] instance, ARGV[2] ttl ms. Returns the number of live voters, this one included. */
  static final LuaScript VOTE = new LuaScript(String.join("\n",
      "if redis.replicate_commands then redis.replicate_commands() end",
      "local kind = redis.call('TYPE', KEYS[1]).ok",
      "if kind ~= 'zset' and kind ~= 'none' then redis.call('DEL', KEYS[1]) end",
      "local time = redis.call('TIME')",
      "local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)",
      "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)",
      "redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])",
      "local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')",
      "redis.call('PEXPIREAT', KEYS[1], last[2])",
      "return redis.call('ZCARD', KEYS[1])"));

  private final TimedRedis redis;
  private final String keyPrefix;

  /**
   * @param client the shared client (not closed here)
   * @param keyPrefix {@code persistence.keyPrefix}
   * @param commandTimeoutMs the bound of every call
   */
  public OpenVotes(Redis client, String keyPrefix, long commandTimeoutMs) {
    this.redis = new TimedRedis(client, commandTimeoutMs);
    this.keyPrefix = keyPrefix;
  }

  /** The votes key of a breaker. */
  public String key(String name) {
    return keyPrefix + name + SUFFIX;
  }

  /**
   * Votes to open a breaker for everyone (again: a re-vote refreshes, it never counts twice).
   *
   * @param ttlMs how long the vote counts: the instance's open time, backoff included
   * @return how many distinct instances have a live vote now, this one included
   */
  public Future<Integer> vote(String name, String instance, long ttlMs) {
    if (ttlMs < 1) {
      return Future.failedFuture(new IllegalArgumentException("breaker '" + name + "': a vote needs ttlMs >= 1, got "
          + ttlMs));
    }
    return VOTE.run(redis::send, key(name), instance, Long.toString(ttlMs)).map(Response::toInteger);
  }

  /** Drops every vote of a breaker (the shared open was written: the next open period votes afresh). */
  public Future<Void> clear(String name) {
    return redis.send(Request.cmd(Command.DEL, key(name))).mapEmpty();
  }
}
