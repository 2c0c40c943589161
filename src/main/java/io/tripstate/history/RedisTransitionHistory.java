package io.tripstate.history;

import io.tripstate.breaker.BreakerState;
import io.tripstate.breaker.Transition;
import io.tripstate.config.HistoryConfig;
import io.tripstate.config.PersistenceConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The history in Redis: one capped stream per breaker, {@code {keyPrefix}{name}:history}, with one entry per
 * transition (fields {@code from}, {@code to}, {@code at} in epoch seconds, {@code reason}, {@code version}),
 * expiring {@code history.ttlSeconds} after its last entry.
 *
 * <p>An append is one Lua script on the one key (XADD with {@code MAXLEN ~}, then EXPIRE), so the entry and its
 * expiry land together and the script can later run on Redis Cluster. It shares the snapshots' client and
 * keeps its own commands few on that pool, one append per breaker at a time ({@link CommandGate}); each is
 * bounded by {@code persistence.commandTimeoutMs}.
 */
public final class RedisTransitionHistory implements TransitionHistory {
  private static final Logger LOG = System.getLogger(RedisTransitionHistory.class.getName());
  private static final String SUFFIX = ":history";
  /** Enough to write at the pace of a local Redis while leaving most of the pool to the snapshots. */
  static final int MAX_OUTSTANDING = 4;
  /** About a megabyte of transitions waiting while Redis is slow; more are dropped (and logged). */
  static final int MAX_WAITING_APPENDS = 10_000;
  /** Reads waiting for a slot; each is one small closure. */
  static final int MAX_WAITING_READS = 1_000;
  static final String APPEND_SCRIPT = String.join("\n",
      "redis.call('XADD', KEYS[1], 'MAXLEN', '~', ARGV[1], '*', 'from', ARGV[2], 'to', ARGV[3], 'at', ARGV[4],",
      "  'reason', ARGV[5], 'version', ARGV[6])",
      "if tonumber(ARGV[7]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[7]) end",
      "return 1");
  private static final String APPEND_SCRIPT_SHA = sha1(APPEND_SCRIPT);

  private final Redis redis;
  private final String keyPrefix;
  private final HistoryConfig config;
  private final CommandGate gate;

  /** @param redis the snapshots' client (see {@code RedisSnapshotStore.client()}); not closed here */
  public RedisTransitionHistory(Context owner, Redis redis, PersistenceConfig persistence, HistoryConfig config) {
    this.redis = redis;
    this.keyPrefix = persistence.keyPrefix();
    this.config = config;
    this.gate = new CommandGate(owner, MAX_OUTSTANDING, MAX_WAITING_APPENDS, MAX_WAITING_READS,
        persistence.commandTimeoutMs());
  }

  @Override
  public String key(String name) {
    return keyPrefix + name + SUFFIX;
  }

  @Override
  public Future<Void> append(Transition transition) {
    String[] args = {"1", key(transition.name()), Integer.toString(config.maxEntries()),
        transition.from().wireName(), transition.to().wireName(), BigDecimal.valueOf(transition.atMs(), 3)
        .toPlainString(), transition.reason(), Long.toString(transition.version()),
        Long.toString(config.ttlSeconds())};
    return gate.append(transition.name(), () -> redis.send(script(Command.EVALSHA, APPEND_SCRIPT_SHA, args))
        .recover(error -> error.getMessage() != null && error.getMessage().startsWith("NOSCRIPT")
            ? redis.send(script(Command.EVAL, APPEND_SCRIPT, args)) : Future.failedFuture(error)))
        .mapEmpty();
  }

  @Override
  public Future<List<Transition>> latest(String name, int limit) {
    String key = key(name);
    return gate.read(() -> redis.send(Request.cmd(Command.XREVRANGE, key, "+", "-", "COUNT", limit)))
        .map(reply -> parse(name, key, reply));
  }

  private static Request script(Command command, String script, String[] args) {
    Request request = Request.cmd(command).arg(script);
    for (String arg : args) {
      request.arg(arg);
    }
    return request;
  }

  /**
   * The entries of an XREVRANGE reply, newest first (the gate sends a breaker's appends one at a time, so the
   * stream's order is its transitions'); unreadable entries (written by something else) are skipped with a WARN.
   */
  private static List<Transition> parse(String name, String key, Response reply) {
    List<Transition> transitions = new ArrayList<>(reply == null ? 0 : reply.size());
    if (reply == null) {
      return transitions;
    }
    for (Response entry : reply) {
      try {
        transitions.add(transition(name, entry.get(1)));
      } catch (RuntimeException e) {
        LOG.log(Level.WARNING, "Skipped unreadable history entry {0} at Redis key ''{1}'': {2}",
            entry.get(0), key, e.getMessage());
      }
    }
    return transitions;
  }

  private static Transition transition(String name, Response fields) {
    String from = null;
    String to = null;
    String at = null;
    String reason = null;
    String version = null;
    for (int i = 0; i + 1 < fields.size(); i += 2) {
      String value = fields.get(i + 1).toString();
      switch (fields.get(i).toString()) {
        case "from" -> from = value;
        case "to" -> to = value;
        case "at" -> at = value;
        case "reason" -> reason = value;
        case "version" -> version = value;
        default -> { } // a field added by a later version: not ours to judge
      }
    }
    if (at == null || reason == null || version == null) {
      throw new IllegalArgumentException("fields 'at', 'reason' and 'version' are required");
    }
    return new Transition(name, BreakerState.fromWire(from), BreakerState.fromWire(to),
        new BigDecimal(at).movePointRight(3).longValueExact(), reason, Long.parseLong(version));
  }

  private static String sha1(String text) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is required by every Java platform", e);
    }
  }
}
