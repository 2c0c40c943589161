package io.tripstate.sharing;

import io.tripstate.store.LuaScript;
import io.tripstate.store.TimedRedis;
import io.vertx.core.Future;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import java.util.ArrayList;
import java.util.List;

/**
 * Who is alive on a key prefix: one Redis hash, {@code {keyPrefix}sharing:instances}, with a field per instance
 * holding {@code {seen_ms}|{info JSON}}. A heartbeat is one script on that one key: it stamps this instance with
 * Redis's own clock (so instances on hosts with skewed clocks agree), drops instances unseen for
 * {@code forgetMs}, and answers everyone left, so that reading the directory costs no extra command.
 */
final class InstanceDirectory {
  /**
   * KEYS[1] the hash; ARGV[1] this instance's id; ARGV[2] its info JSON; ARGV[3] forget-after ms. Returns
   * {now ms, field, value, field, value, ...} of the instances left.
   */
  static final LuaScript HEARTBEAT = new LuaScript(String.join("\n",
      "local t = redis.call('TIME')",
      "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)",
      "redis.call('HSET', KEYS[1], ARGV[1], now .. '|' .. ARGV[2])",
      "local all = redis.call('HGETALL', KEYS[1])",
      "local left = {now}",
      "for i = 1, #all, 2 do",
      "  local seen = tonumber(string.match(all[i + 1], '^(%d+)|')) or 0",
      "  if seen < now - tonumber(ARGV[3]) then",
      "    redis.call('HDEL', KEYS[1], all[i])",
      "  else",
      "    table.insert(left, all[i])",
      "    table.insert(left, all[i + 1])",
      "  end",
      "end",
      "redis.call('PEXPIRE', KEYS[1], ARGV[3])",
      "return left"));

  /**
   * One instance as the directory holds it.
   *
   * @param id its {@code sharing.instanceId}
   * @param seenAtMs its last heartbeat, on Redis's clock
   * @param info what it said of itself ({@code host}, {@code sharing}, {@code started_at}, {@code breakers})
   */
  record Instance(String id, long seenAtMs, JsonObject info) {}

  /**
   * A heartbeat's answer.
   *
   * @param nowMs Redis's clock at the heartbeat
   */
  record Seen(long nowMs, List<Instance> instances) {}

  private final TimedRedis redis;
  private final String key;

  InstanceDirectory(Redis redis, String keyPrefix, long timeoutMs) {
    this.redis = new TimedRedis(redis, timeoutMs);
    this.key = keyPrefix + "sharing:instances";
  }

  String key() {
    return key;
  }

  /** Stamps this instance, forgets those unseen for {@code forgetMs}, and answers who is left. */
  Future<Seen> heartbeat(String id, JsonObject info, long forgetMs) {
    return HEARTBEAT.run(redis::send, key, id, info.encode(), Long.toString(forgetMs)).map(reply -> {
      long now = reply.get(0).toLong();
      List<Instance> instances = new ArrayList<>();
      for (int i = 1; i + 1 < reply.size(); i += 2) {
        Instance instance = parse(reply.get(i).toString(), reply.get(i + 1).toString());
        if (instance != null) {
          instances.add(instance);
        }
      }
      return new Seen(now, instances);
    });
  }

  /** Removes this instance (a graceful stop), so that the others see it gone at once. */
  Future<Void> leave(String id) {
    return redis.send(Request.cmd(Command.HDEL, key, id)).mapEmpty();
  }

  /** A field's value, or {@code null} when it is not in this form (written by something else). */
  private static Instance parse(String id, String value) {
    int bar = value.indexOf('|');
    if (bar <= 0) {
      return null;
    }
    try {
      return new Instance(id, Long.parseLong(value.substring(0, bar)), new JsonObject(value.substring(bar + 1)));
    } catch (NumberFormatException | DecodeException e) {
      return null;
    }
  }
}
