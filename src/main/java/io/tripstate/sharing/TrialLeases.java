package io.tripstate.sharing;

import io.tripstate.store.LuaScript;
import io.tripstate.store.TimedRedis;
import io.vertx.core.Future;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Response;

/**
 * The Redis adapter of the trial lease: when an open breaker's time is up, only the instance that holds a lease
 * in Redis may send a trial, so that N instances send {@code halfOpenMaxCalls} trials in total, not N times as
 * many. One key per breaker, {@code {keyPrefix}{name}:trial}:
 * <ul>
 *   <li>{@code halfOpenMaxCalls} 1: a string, {@code SET key token NX PX ttl};
 *   <li>more: a sorted set of tokens scored by their expiry (Redis's {@code TIME}, epoch ms), admitting a token
 *       while fewer than {@code max} live ones remain, the key expiring with its last member.
 * </ul>
 * Each take is one script (one round trip, one atomic decision) that answers, when it refuses, how long until a
 * lease may be free. A lease whose holder vanished expires by itself. Leases are fenced: a token names one
 * permit of one instance ({@code {instance}:{n}}), and a release removes only its own token, so a late release
 * by a stale holder changes nothing. Every script touches one key (Redis Cluster), and every call is bounded
 * by {@code commandTimeoutMs}, since the client has no timeout of its own. Thread-safe (no state of its own).
 */
public final class TrialLeases {
  private static final String SUFFIX = ":trial";
  /**
   * KEYS[1] the lease; ARGV[1] token, ARGV[2] ttl ms. Returns {1, 0} when taken, else {0, ms left}. A lease left
   * without an expiry (a foreign value) gets one, so that it cannot block trials forever.
   */
  static final LuaScript TAKE_ONE = new LuaScript(String.join("\n",
      "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return {1, 0} end",
      "local left = redis.call('PTTL', KEYS[1])",
      "if left < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]); left = tonumber(ARGV[2]) end",
      "return {0, left}"));
  /**
   * KEYS[1] the lease set; ARGV[1] token, ARGV[2] ttl ms, ARGV[3] max. Returns {1, 0} when admitted, else {0, ms
   * until the earliest lease expires}. A key of another type (the string form, left by an instance configured
   * with {@code halfOpenMaxCalls} 1) refuses until it expires. Taking a token again refreshes it.
   */
  static final LuaScript TAKE_MANY = new LuaScript(String.join("\n",
      "if redis.replicate_commands then redis.replicate_commands() end",
      "local kind = redis.call('TYPE', KEYS[1]).ok",
      "if kind ~= 'zset' and kind ~= 'none' then",
      "  local left = redis.call('PTTL', KEYS[1])",
      "  if left < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]); left = tonumber(ARGV[2]) end",
      "  return {0, left}",
      "end",
      "local time = redis.call('TIME')",
      "local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)",
      "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)",
      "if redis.call('ZSCORE', KEYS[1], ARGV[1]) or redis.call('ZCARD', KEYS[1]) < tonumber(ARGV[3]) then",
      "  redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[1])",
      "  local last = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')",
      "  redis.call('PEXPIREAT', KEYS[1], last[2])",
      "  return {1, 0}",
      "end",
      "local first = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')",
      "return {0, tonumber(first[2]) - now}"));
  /** KEYS[1] the lease; ARGV[1] token. Removes the token from either form; returns 1 when it was there. */
  static final LuaScript RELEASE = new LuaScript(String.join("\n",
      "local kind = redis.call('TYPE', KEYS[1]).ok",
      "if kind == 'string' then",
      "  if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end",
      "  return 0",
      "end",
      "if kind == 'zset' then return redis.call('ZREM', KEYS[1], ARGV[1]) end",
      "return 0"));

  /**
   * The answer to a take.
   *
   * @param granted whether this token holds a lease now
   * @param retryAfterMs when refused, milliseconds until a lease may be free (at least 1); 0 when granted
   */
  public record Lease(boolean granted, long retryAfterMs) {
    static final Lease GRANTED = new Lease(true, 0);
  }

  private final TimedRedis redis;
  private final String keyPrefix;

  /**
   * @param client the shared client (not closed here)
   * @param keyPrefix {@code persistence.keyPrefix}
   * @param commandTimeoutMs the bound of every call
   */
  public TrialLeases(Redis client, String keyPrefix, long commandTimeoutMs) {
    this.redis = new TimedRedis(client, commandTimeoutMs);
    this.keyPrefix = keyPrefix;
  }

  /** The lease key of a breaker. */
  public String key(String name) {
    return keyPrefix + name + SUFFIX;
  }

  /**
   * Takes a lease for one trial.
   *
   * @param token {@code {instance}:{n}}, unique per permit of an instance
   * @param max the breaker's {@code halfOpenMaxCalls}: how many leases may be held at once
   * @param ttlMs how long the lease lives unless released ({@code permitTimeoutMs})
   */
  public Future<Lease> take(String name, String token, int max, long ttlMs) {
    if (max < 1 || ttlMs < 1) {
      return Future.failedFuture(new IllegalArgumentException("breaker '" + name + "': a trial lease needs max >= 1"
          + " and ttlMs >= 1, got max " + max + ", ttlMs " + ttlMs));
    }
    Future<Response> reply = max == 1
        ? TAKE_ONE.run(redis::send, key(name), token, Long.toString(ttlMs))
        : TAKE_MANY.run(redis::send, key(name), token, Long.toString(ttlMs), Integer.toString(max));
    return reply.map(TrialLeases::lease);
  }

  /** Gives a lease back, if {@code token} still holds it; anything else (another holder, none) is left as it is. */
  public Future<Void> release(String name, String token) {
    return RELEASE.run(redis::send, key(name), token).mapEmpty();
  }

  private static Lease lease(Response reply) {
    return reply.get(0).toLong() == 1L ? Lease.GRANTED : new Lease(false, Math.max(1, reply.get(1).toLong()));
  }
}
